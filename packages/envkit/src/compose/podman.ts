import { isMap, isSeq } from './yaml.js';
import type { Finding } from '../findings.js';
import { getNode, getPair, resolveNode, scalarString } from './read.js';
import { healthcheckOf, isTrue, restartOf } from './services.js';
import type { ComposeFile } from './read.js';
import { composeReferences } from './references.js';

/** What the caller knows about the podman installation (all optional; unknown means "may bite"). */
export interface PodmanEnvironment {
  /** `podman --version` output or a bare version (`4.3.1`). */
  podman?: string;
  /** `podman-compose --version` / `podman-compose version` output or a bare version (`1.0.3`). */
  podmanCompose?: string;
  /** Whether systemd runs on the host (healthchecks need its timers). */
  systemd?: boolean;
}

/** A parsed `major.minor.patch`. */
export type Version = readonly [number, number, number];

/** The first `x.y[.z]` in a version string or tool output; `undefined` when there is none. */
export function parseVersion(text: string | undefined): Version | undefined {
  if (text === undefined) return undefined;
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** True when `version` is known and older than `minimum`. Unknown counts as "not known to be new enough". */
function olderThan(version: Version | undefined, minimum: Version): boolean {
  if (!version) return true;
  for (let i = 0; i < 3; i++) {
    if ((version[i] as number) !== minimum[i]) return (version[i] as number) < (minimum[i] as number);
  }
  return false;
}

const show = (v: Version): string => v.join('.');

/**
 * podman facts that bite a compose file written for Docker (docs/deployment.md), as warnings with file:line.
 * With versions given, a warning appears only where that version is affected; without, it appears
 * worded as a condition ("before podman 5.8 …").
 * - logging `max-file` is ignored by podman (only `max-size` applies);
 * - `restart: unless-stopped` is not restarted after a reboot before podman 5.8; any restart after a
 *   reboot needs `podman-restart.service` (or a systemd unit);
 * - healthchecks run from systemd timers: without systemd they stay `starting`;
 * - `depends_on: condition: service_healthy` needs podman-compose ≥ 1.3 and podman ≥ 4.6;
 * - podman-compose before 1.3 breaks a healthcheck `test` in the `CMD` list form;
 * - podman-compose 1.0.x leaves `${VAR:+…}`, `${VAR:-}`, `${VAR:?}` uninterpolated and breaks nested
 *   defaults (measured with 1.0.3; assumed fixed by 1.1).
 */
export function podmanFindings(file: ComposeFile, versions: PodmanEnvironment = {}): Finding[] {
  const findings: Finding[] = [];
  const podman = parseVersion(versions.podman);
  const compose = parseVersion(versions.podmanCompose);
  const add = (severity: Finding['severity'], rule: string, line: number, message: string, fix: string): void => {
    findings.push({ severity, rule, file: file.path, line, message, fix });
  };
  const at = (node: unknown, fallback: number): number => file.lineOf(node) ?? fallback;

  const restarting: string[] = [];
  let restartLine: number | undefined;
  let healthcheckLine: number | undefined;
  const healthchecked: string[] = [];

  for (const service of file.services) {
    const maxFile = getPair(getNode(service.node, 'logging', 'options'), 'max-file');
    if (maxFile) {
      add(
        'warning',
        'compose.podman.log-max-file',
        at(maxFile, service.line),
        `podman ignores logging \`max-file\` of service "${service.name}": only \`max-size\` applies, so no rotated copies are kept`,
        'keep `max-size`; for a longer history log to journald (`driver: journald`) and let journald rotate',
      );
    }

    const restartPair = restartOf(service).pair;
    const restart = scalarString(restartPair ? resolveNode(restartPair.value) : undefined);
    if (restart === 'unless-stopped' && olderThan(podman, [5, 8, 0])) {
      add(
        'warning',
        'compose.podman.restart',
        at(restartPair, service.line),
        podman
          ? `podman ${show(podman)} does not restart \`unless-stopped\` containers after a reboot (only \`always\`, from podman 5.8 on both): service "${service.name}" stays down`
          : `before podman 5.8, \`unless-stopped\` containers are not restarted after a reboot (only \`always\` is): service "${service.name}" would stay down`,
        'use `restart: always` and enable podman-restart.service (`systemctl --user enable podman-restart.service` when rootless), or run the stack from a systemd unit',
      );
    }
    if (restart === 'always' || restart === 'unless-stopped') {
      restarting.push(service.name);
      restartLine ??= at(restartPair, service.line);
    }

    const { pair: hcPair, map: hc } = healthcheckOf(service);
    const disabled = isTrue(getNode(hc, 'disable'));
    const test = getNode(hc, 'test');
    if (hc !== undefined && !disabled) {
      healthchecked.push(service.name);
      healthcheckLine ??= at(hcPair, service.line);
    }
    if (isSeq(test) && scalarString(resolveNode(test.items[0])) === 'CMD' && test.items.length > 2 && olderThan(compose, [1, 3, 0])) {
      add(
        'warning',
        'compose.podman.healthcheck-cmd',
        at(test, service.line),
        compose
          ? `podman-compose ${show(compose)} joins a \`CMD\` healthcheck list into a broken shell line: the check of service "${service.name}" fails`
          : `podman-compose before 1.3 joins a \`CMD\` healthcheck list into a broken shell line: the check of service "${service.name}" would fail`,
        'write the test as `["CMD-SHELL", "one command line"]`',
      );
    }

    const dependsOn = getNode(service.node, 'depends_on');
    if (isMap(dependsOn)) {
      for (const pair of dependsOn.items) {
        const condition = getPair(pair.value, 'condition');
        if (scalarString(condition ? resolveNode(condition.value) : undefined) !== 'service_healthy') continue;
        const oldCompose = olderThan(compose, [1, 3, 0]);
        const oldPodman = olderThan(podman, [4, 6, 0]);
        if (!oldCompose && !oldPodman) continue;
        const known: string[] = [];
        if (compose && oldCompose) known.push(`podman-compose ${show(compose)}`);
        if (podman && oldPodman) known.push(`podman ${show(podman)}`);
        add(
          'warning',
          'compose.podman.service-healthy',
          at(condition, service.line),
          known.length > 0
            ? `${known.join(' and ')} ignore${known.length > 1 ? '' : 's'} \`condition: service_healthy\`: service "${service.name}" may start before "${scalarString(pair.key) ?? '?'}" is ready`
            : `\`condition: service_healthy\` needs podman-compose ≥ 1.3 and podman ≥ 4.6; older ones start service "${service.name}" without waiting for "${scalarString(pair.key) ?? '?'}"`,
          'upgrade podman-compose (≥ 1.3) and podman (≥ 4.6), or make the app retry its database connection at start',
        );
      }
    }
  }

  if (healthcheckLine !== undefined && versions.systemd !== true) {
    add(
      'warning',
      'compose.podman.healthcheck-systemd',
      healthcheckLine,
      `${versions.systemd === false ? 'systemd is not running here, and podman' : 'podman'} runs healthchecks from systemd timers: without systemd the services (${healthchecked.join(', ')}) stay \`starting\` and \`service_healthy\` dependents never start`,
      'run podman on a host with systemd (a user session for rootless: `loginctl enable-linger`), or check health by hand with `podman healthcheck run <container>`',
    );
  }

  if (restartLine !== undefined) {
    add(
      'info',
      'compose.podman.reboot',
      restartLine,
      `podman has no daemon: after a reboot, ${restarting.join(', ')} come${restarting.length > 1 ? '' : 's'} back only if podman-restart.service (or a systemd unit) starts ${restarting.length > 1 ? 'them' : 'it'}`,
      'enable it once: `systemctl --user enable podman-restart.service` (rootless, with `loginctl enable-linger`) or `systemctl enable podman-restart.service` (root)',
    );
  }

  if (olderThan(compose, [1, 1, 0])) {
    for (const ref of composeReferences(file).references) {
      const unsupported =
        ref.operator === ':+' || ref.operator === '+'
          ? `\`\${${ref.name}${ref.operator}…}\``
          : ref.nested
            ? `a reference nested in a default (\`${ref.name}\`)`
            : ref.operator !== undefined && ref.argument === ''
              ? `an empty ${ref.form === 'required' ? 'error message' : 'default'} \`\${${ref.name}${ref.operator}}\``
              : undefined;
      if (unsupported === undefined) continue;
      add(
        'warning',
        'compose.podman.interpolation',
        ref.line,
        `${compose ? `podman-compose ${show(compose)}` : 'podman-compose 1.0.x'} does not understand ${unsupported}: the text stays uninterpolated`,
        'use a plain `${VAR}` or a non-empty, non-nested default, or upgrade podman-compose',
      );
    }
  }
  return findings;
}
