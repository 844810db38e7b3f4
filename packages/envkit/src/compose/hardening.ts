import { isMap, isScalar, isSeq, walkScalars } from './yaml.js';
import type { YamlNode as Node, YamlPair as Pair } from './yaml.js';
import type { Finding, Severity } from '../findings.js';
import { getNode, getPair, resolveNode, scalarString } from './read.js';
import type { ComposeFile, ComposeService } from './read.js';
import { tokenizeTemplate } from './references.js';

/** Options of {@link checkHardening}. */
export interface HardeningOptions {
  /** The database service; default: every service named `db` or running a PostgreSQL image. */
  dbService?: string;
  /** The application service whose port must stay off public interfaces; default `memu`. */
  appService?: string;
  /**
   * Secret values from `.env` (key → value), to find a secret written literally into the compose
   * file. Findings name the key, never the value. Values shorter than 8 characters are ignored:
   * they would match by accident.
   */
  secretValues?: ReadonlyMap<string, string>;
}

/** A volume entry of a service, short or long syntax, normalised. */
export interface VolumeMount {
  /** `bind` for a host path, `volume` for a named volume, `anonymous` for a target only. */
  kind: 'bind' | 'volume' | 'anonymous' | 'other';
  /** Host path or volume name, as written (uninterpolated). */
  source?: string;
  /** Path in the container. */
  target?: string;
  node: Node;
}

/** A published port of a service, normalised. */
export interface PublishedPort {
  /** Host address as written; `undefined` means every interface. */
  hostIp?: string;
  /** Container port or range start..end. */
  containerStart: number;
  containerEnd: number;
  node: Node;
}

const DB_IMAGE = /(^|[/:])(postgres|pgvector|postgis|timescaledb)([/:@-]|$)/i;
const DB_DATA_TARGETS = new Set(['/var/lib/postgresql/data', '/var/lib/postgresql']);
const SECRET_NAME_PARTS = new Set(['PASSWORD', 'PASSWD', 'PASS', 'SECRET', 'TOKEN', 'KEY', 'APIKEY', 'PRIVATE', 'CREDENTIALS']);
const NOT_SECRET_SUFFIXES = ['_FILE', '_PATH', '_DIR', '_URL_FILE'];
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*:([^/?#@\s]+)@/i;
const RESTART_VALUES = new Set(['no', 'always', 'unless-stopped', 'on-failure']);
const ROTATING_DRIVERS = new Set(['json-file', 'k8s-file', 'local']);
/** Values shorter than this are not searched for as secrets: short common strings would match by accident. */
export const MIN_SECRET_LENGTH = 8;

/**
 * The deployment's hardening checklist (docs/deployment.md), per service, as findings with file:line:
 * restart policy, healthcheck (present, parseable, `pg_isready` for the database), memory limit,
 * log rotation, no bind mount of the source tree or of `.env`, the database port and the app port
 * off public interfaces, no secret written literally, the database's data in a named volume.
 * YAML errors are not repeated here (they are in `file.errors`). Messages never contain a value
 * from `.env`.
 *
 * Decisions: a database port published on every interface is a warning, not an error (a firewall
 * may guard it, and the user may have asked for it); on loopback it is info. A bind mount of the
 * project directory is an error because it also mounts `.env` into the container.
 */
export function checkHardening(file: ComposeFile, options: HardeningOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const doc = file.doc;
  const at = (node: unknown, fallback: number): number => file.lineOf(node) ?? fallback;
  const add = (severity: Severity, rule: string, line: number, message: string, fix: string, key?: string): void => {
    const finding: Finding = { severity, rule, file: file.path, line, message, fix };
    if (key !== undefined) finding.key = key;
    findings.push(finding);
  };

  const isDb = (service: ComposeService): boolean =>
    options.dbService !== undefined
      ? service.name === options.dbService
      : service.name === 'db' || DB_IMAGE.test(scalarString(getNode(service.node, 'image')) ?? '');
  const appName = options.appService ?? 'memu';

  for (const service of file.services) {
    const db = isDb(service);
    checkRestart(service, db);
    checkHealthcheck(service, db);
    checkMemory(service);
    checkLogging(service);
    checkMounts(service, db);
    checkPorts(service, db, service.name === appName);
    checkEnvironmentSecrets(service);
  }
  checkLiteralSecretValues();
  return findings;

  function checkRestart(service: ComposeService, db: boolean): void {
    const pair = getPair(service.node, 'restart');
    const policy = getNode(service.node, 'deploy', 'restart_policy', 'condition');
    const who = db ? `the database service "${service.name}"` : `service "${service.name}"`;
    if (!pair) {
      if (policy && scalarString(policy) !== 'none') return;
      add(
        'warning',
        'compose.restart',
        policy ? at(policy, service.line) : service.line,
        `${who} has no restart policy: it stays down after a crash${db ? ' and memu loses its database' : ''}`,
        'add `restart: unless-stopped` (with podman, see the podman notes about reboots)',
      );
      return;
    }
    const node = resolveNode(pair.value);
    const raw = isScalar(node) ? node.value : undefined;
    const value = raw === false ? 'no' : scalarString(node);
    const line = at(pair, service.line);
    if (value === undefined) {
      add('error', 'compose.restart', line, `restart of service "${service.name}" is not a string`, 'use one of: no, always, unless-stopped, on-failure');
    } else if (value.includes('$')) {
      return;
    } else if (!RESTART_VALUES.has(value.replace(/:\d+$/, ''))) {
      add('error', 'compose.restart', line, `restart of service "${service.name}" is not a valid policy`, 'use one of: no, always, unless-stopped, on-failure[:N]');
    } else if (value === 'no') {
      add('warning', 'compose.restart', line, `${who} has \`restart: no\`: it stays down after a crash or reboot`, 'use `restart: unless-stopped`');
    }
  }

  function checkHealthcheck(service: ComposeService, db: boolean): void {
    const pair = getPair(service.node, 'healthcheck');
    const hc = pair ? resolveNode(pair.value) : undefined;
    if (!pair || !isMap(hc)) {
      add(
        'warning',
        'compose.healthcheck',
        pair ? at(pair, service.line) : service.line,
        `service "${service.name}" has no healthcheck: nothing reports it as unhealthy${db ? ', and `depends_on: condition: service_healthy` cannot wait for it' : ''}`,
        db
          ? 'add `healthcheck: { test: ["CMD-SHELL", "pg_isready -U \\"$${POSTGRES_USER}\\" -d \\"$${POSTGRES_DB}\\""], interval: 10s, timeout: 5s, retries: 5, start_period: 10s }`'
          : 'add a `healthcheck:` with test, interval, timeout and retries',
      );
      return;
    }
    const line = at(pair, service.line);
    const disable = getNode(hc, 'disable');
    if (isScalar(disable) && disable.value === true) {
      add('warning', 'compose.healthcheck', at(disable, line), `the healthcheck of service "${service.name}" is disabled`, 'remove `disable: true` and give it a test');
      return;
    }
    const test = getNode(hc, 'test');
    let command: string | undefined;
    if (!test) {
      add(
        'warning',
        'compose.healthcheck',
        line,
        `the healthcheck of service "${service.name}" has no \`test\`: it relies on a HEALTHCHECK in the image`,
        'add `test: ["CMD-SHELL", "<command that fails when the service is down>"]`',
      );
    } else if (isSeq(test)) {
      const parts = test.items.map((item) => scalarString(resolveNode(item)));
      const kind = parts[0];
      if (kind === 'NONE') {
        add('warning', 'compose.healthcheck', at(test, line), `the healthcheck of service "${service.name}" is disabled (NONE)`, 'give it a real test');
        return;
      }
      if ((kind !== 'CMD' && kind !== 'CMD-SHELL') || parts.length < 2 || parts.some((p) => p === undefined)) {
        add(
          'error',
          'compose.healthcheck',
          at(test, line),
          `the healthcheck test of service "${service.name}" must be a string or a list starting with CMD or CMD-SHELL followed by the command`,
          'write `test: ["CMD-SHELL", "command"]` or `test: ["CMD", "program", "arg"]`',
        );
      } else {
        command = parts.slice(1).join(' ');
      }
    } else {
      command = scalarString(test);
      if (command === undefined || command.trim() === '') {
        add('error', 'compose.healthcheck', at(test, line), `the healthcheck test of service "${service.name}" is empty`, 'give it a command');
      }
    }
    if (db && command !== undefined && !/\bpg_isready\b/.test(command)) {
      add(
        'warning',
        'compose.healthcheck',
        at(test, line),
        `the database service "${service.name}" is not checked with pg_isready`,
        'use `test: ["CMD-SHELL", "pg_isready -U \\"$${POSTGRES_USER}\\" -d \\"$${POSTGRES_DB}\\""]`',
      );
    }
    const durations: Record<string, number | undefined> = {};
    for (const field of ['interval', 'timeout', 'start_period', 'start_interval']) {
      const node = getNode(hc, field);
      if (!node) continue;
      const text = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
      if (text !== undefined && text.includes('$')) continue;
      const ms = text === undefined ? undefined : parseDuration(text);
      if (ms === undefined) {
        add(
          'error',
          'compose.healthcheck',
          at(node, line),
          `healthcheck ${field} of service "${service.name}" is not a duration`,
          'write a duration such as `10s`, `1m30s` or `500ms` (a string with a unit)',
        );
      }
      durations[field] = ms;
    }
    const interval = durations['interval'];
    const timeout = durations['timeout'];
    if (interval !== undefined && timeout !== undefined && timeout > interval) {
      add(
        'warning',
        'compose.healthcheck',
        at(getNode(hc, 'timeout'), line),
        `healthcheck timeout of service "${service.name}" is longer than its interval`,
        'make the timeout shorter than the interval (the design: memu 10s of 30s)',
      );
    }
    const retries = getNode(hc, 'retries');
    if (retries) {
      const text = scalarString(retries);
      if (text === undefined || (!text.includes('$') && !/^\d+$/.test(text))) {
        add('error', 'compose.healthcheck', at(retries, line), `healthcheck retries of service "${service.name}" is not a whole number`, 'write e.g. `retries: 3`');
      }
    }
  }

  function checkMemory(service: ComposeService): void {
    const nodes = [getNode(service.node, 'mem_limit'), getNode(service.node, 'deploy', 'resources', 'limits', 'memory')];
    const present = nodes.filter((n): n is Node => n !== undefined);
    if (present.length === 0) {
      add(
        'warning',
        'compose.memory',
        service.line,
        `service "${service.name}" has no memory limit: a leak can take the whole host down`,
        'add `mem_limit: ${MEMU_MEMORY_LIMIT:-2g}` (or ${DB_MEMORY_LIMIT:-1g} for the database)',
      );
      return;
    }
    for (const node of present) {
      const text = scalarString(node);
      const candidate = text === undefined ? undefined : literalOrDefault(text);
      if (candidate === null) continue; // depends on a variable without a default: checked in .env
      if (candidate === undefined || parseMemory(candidate) === undefined) {
        add(
          'error',
          'compose.memory',
          at(node, service.line),
          `the memory limit of service "${service.name}" is not a size`,
          'write a number with b, k, m or g, e.g. `2g` or `512m`',
        );
      }
    }
  }

  function checkLogging(service: ComposeService): void {
    const pair = getPair(service.node, 'logging');
    const logging = pair ? resolveNode(pair.value) : undefined;
    if (!pair || !isMap(logging)) {
      add(
        'warning',
        'compose.logging',
        pair ? at(pair, service.line) : service.line,
        `service "${service.name}" has no log rotation: its logs grow until the disk is full`,
        'add `logging: { driver: json-file, options: { max-size: "10m", max-file: "3" } }`',
      );
      return;
    }
    const driver = scalarString(getNode(logging, 'driver'));
    if (driver !== undefined && !ROTATING_DRIVERS.has(driver)) return; // journald, syslog, none…: rotated elsewhere
    if (getNode(logging, 'options', 'max-size') === undefined) {
      add(
        'warning',
        'compose.logging',
        at(pair, service.line),
        `service "${service.name}" logs with ${driver ?? 'the default driver'} without \`max-size\`: the log file is never rotated`,
        'add `options: { max-size: "10m", max-file: "3" }` under logging',
      );
    }
  }

  function checkMounts(service: ComposeService, db: boolean): void {
    const mounts = volumesOf(file, service);
    for (const mount of mounts) {
      if (mount.kind !== 'bind' || mount.source === undefined) continue;
      const source = mount.source.replace(/\/+$/, '');
      if (['.', '..', '$PWD', '${PWD}', ''].includes(source) || /^\$\{PWD[:?-]/.test(source)) {
        add(
          'error',
          'compose.source-mount',
          at(mount.node, service.line),
          `service "${service.name}" bind-mounts the project directory: the container runs the working tree and can read .env`,
          'remove the mount and build the code into the image; pass settings through `environment:` with ${VAR}',
        );
      } else if (/(^|\/)\.env(\.(?!example$)[\w.-]+)?$/.test(source)) {
        add(
          'error',
          'compose.env-mount',
          at(mount.node, service.line),
          `service "${service.name}" mounts a .env file into the container: every secret in it is readable there`,
          'remove the mount; give the service only the variables it needs under `environment:` with ${VAR}',
        );
      }
    }
    for (const { path, node: entry } of envFilesOf(service)) {
      if (/(^|\/)\.env$/.test(path)) {
        // The design the memu example uses: podman reads the file itself (`--env-file`), so no value is on
        // any argv, at the price of every service seeing every variable. A note, not a warning.
        add(
          'info',
          'compose.env-file',
          at(entry, service.line),
          `service "${service.name}" loads the whole .env: it receives every variable in it, other services' secrets included (podman reads the file itself, so no value is on any argv)`,
          'nothing to do for a stack whose services trust each other; otherwise give the service an env file of its own',
        );
      }
    }
    if (!db) return;
    const data = mounts.find((m) => m.target !== undefined && DB_DATA_TARGETS.has(m.target.replace(/\/+$/, '')));
    if (!data) {
      add(
        'warning',
        'compose.db-volume',
        service.line,
        `the database service "${service.name}" keeps its data inside the container: removing the container deletes the database`,
        'mount a named volume: `volumes: ["postgres_data:/var/lib/postgresql/data"]` and declare `postgres_data:` under top-level `volumes:`',
      );
    } else if (data.kind === 'anonymous') {
      add(
        'warning',
        'compose.db-volume',
        at(data.node, service.line),
        `the database service "${service.name}" keeps its data in an anonymous volume: easy to lose on \`down -v\` or a renewed volume`,
        'use a named volume: `postgres_data:/var/lib/postgresql/data`',
      );
    } else if (data.kind === 'volume' && data.source !== undefined && !data.source.includes('$')) {
      const declared = getNode(doc.contents, 'volumes');
      if (!isMap(declared) || getPair(declared, data.source) === undefined) {
        add(
          'error',
          'compose.db-volume',
          at(data.node, service.line),
          `the database volume "${data.source}" is not declared under top-level \`volumes:\`: compose refuses the file`,
          `add \`volumes:\\n  ${data.source}:\` at the top level`,
        );
      }
    }
  }

  function checkPorts(service: ComposeService, db: boolean, app: boolean): void {
    for (const port of portsOf(file, service)) {
      const everywhere = publishedEverywhere(port.hostIp);
      if (db && port.containerStart <= 5432 && 5432 <= port.containerEnd) {
        if (everywhere) {
          add(
            'warning',
            'compose.db-port',
            at(port.node, service.line),
            `the database port 5432 of service "${service.name}" is published on every interface: anyone who reaches this host can try the password`,
            'remove the `ports:` entry (memu reaches the database inside the compose network), or bind it to loopback: `127.0.0.1:5432:5432`',
          );
        } else {
          add(
            'info',
            'compose.db-port',
            at(port.node, service.line),
            `the database port 5432 of service "${service.name}" is published on ${port.hostIp}`,
            'fine for `envkit check --online` / `rotate --apply direct`; remove it when no longer needed',
          );
        }
      }
      if (app && port.containerStart <= 8000 && 8000 <= port.containerEnd && everywhere) {
        add(
          'warning',
          'compose.app-port',
          at(port.node, service.line),
          `port 8000 of service "${service.name}" is published on every interface: memu's /health answers with MEMU_DB_URL, password included`,
          'bind it to loopback (`127.0.0.1:8000:8000`) and put a reverse proxy in front for remote access',
        );
      }
    }
  }

  function checkEnvironmentSecrets(service: ComposeService): void {
    for (const entry of environmentOf(file, service)) {
      if (entry.value === undefined || entry.value === '') continue;
      const tokens = tokenizeTemplate(entry.value);
      const literal = !tokens.some((t) => t.kind === 'reference');
      const secretRefs = [...new Set(tokens.flatMap((t) => (t.kind === 'reference' && t.name !== undefined && options.secretValues?.has(t.name) ? [t.name] : [])))];
      if (secretRefs.length > 0) {
        add(
          'warning',
          'compose.secret-on-argv',
          at(entry.node, service.line),
          `${entry.name} of service "${service.name}" interpolates the secret ${secretRefs.join(', ')}: podman-compose starts the container with \`podman run -e ${entry.name}=<value>\`, so the value is on podman's argv, visible in \`ps\` to every user of the host`,
          `remove the entry and load the variables with \`env_file: .env\` (podman reads the file itself); docker compose does not put it on an argv`,
          entry.name,
        );
      }
      const upper = entry.name.toUpperCase();
      const secretName =
        !NOT_SECRET_SUFFIXES.some((suffix) => upper.endsWith(suffix)) &&
        upper.split(/[^A-Z0-9]+/).some((part) => SECRET_NAME_PARTS.has(part));
      if (secretName && literal) {
        add(
          'error',
          'compose.literal-secret',
          at(entry.node, service.line),
          `${entry.name} of service "${service.name}" is written literally in the compose file`,
          `move the value to .env and write \`${entry.name}: \${${entry.name}}\`; rotate it if the file was ever shared`,
          entry.name,
        );
        continue;
      }
      const url = URL_WITH_PASSWORD.exec(entry.value);
      if (url && !(url[1] as string).includes('$')) {
        add(
          'error',
          'compose.literal-secret',
          at(entry.node, service.line),
          `${entry.name} of service "${service.name}" holds a URL with a literal password`,
          `keep the whole URL in .env and write \`${entry.name}: \${${entry.name}}\``,
          entry.name,
        );
      }
    }
  }

  function checkLiteralSecretValues(): void {
    const secrets = [...(options.secretValues ?? new Map<string, string>())].filter(([, v]) => v.length >= MIN_SECRET_LENGTH);
    if (secrets.length === 0) return;
    const reported = new Set<string>();
    walkScalars(doc.contents, (node) => {
      if (typeof node.value !== 'string') return;
      for (const [key, secret] of secrets) {
        if (!node.value.includes(secret)) continue;
        const line = at(node, 1);
        if (reported.has(`${key}:${line}`)) continue;
        reported.add(`${key}:${line}`);
        add(
          'error',
          'compose.literal-secret',
          line,
          `the value of ${key} is written literally in the compose file`,
          `replace it with \${${key}}; then rotate it (envkit rotate ${key}) if the file was ever shared`,
          key,
        );
      }
    });
  }
}

/** The `env_file:` entries of a service (a string, a list, or `{ path: … }` items), as written. */
export function envFilesOf(service: ComposeService): { path: string; node: unknown }[] {
  const envFile = getNode(service.node, 'env_file');
  if (!envFile) return [];
  const entries = isSeq(envFile) ? envFile.items.map((i) => resolveNode(i)) : [envFile];
  return entries.flatMap((node) => {
    const path = scalarString(isMap(node) ? getNode(node, 'path') : node);
    return path === undefined ? [] : [{ path, node }];
  });
}

/** The service's `volumes:` entries, short (`src:dst[:mode]`) and long syntax. */
export function volumesOf(file: ComposeFile, service: ComposeService): VolumeMount[] {
  const doc = file.doc;
  const list = getNode(service.node, 'volumes');
  if (!isSeq(list)) return [];
  const mounts: VolumeMount[] = [];
  for (const item of list.items) {
    const node = resolveNode(item) as Node;
    if (isMap(node)) {
      const type = scalarString(getNode(node, 'type'));
      const source = scalarString(getNode(node, 'source'));
      const target = scalarString(getNode(node, 'target'));
      const kind = type === 'bind' ? 'bind' : type === 'volume' || type === undefined ? (source ? 'volume' : 'anonymous') : 'other';
      const mount: VolumeMount = { kind, node };
      if (source !== undefined) mount.source = source;
      if (target !== undefined) mount.target = target;
      mounts.push(mount);
      continue;
    }
    const text = scalarString(node);
    if (text === undefined) continue;
    const parts = splitVolume(text);
    if (parts.length === 1) {
      mounts.push({ kind: 'anonymous', target: parts[0] as string, node });
      continue;
    }
    const source = parts[0] as string;
    const target = parts[1] as string;
    const bind = /^[.~/$]/.test(source) || source === '';
    mounts.push({ kind: bind ? 'bind' : 'volume', source, target, node });
  }
  return mounts;
}

/** Splits `src:dst[:mode]`, keeping `${VAR:-x}` in one piece. */
function splitVolume(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '$' && text[i + 1] === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    if (c === ':' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** The service's published ports (`ports:`), short and long syntax. */
export function portsOf(file: ComposeFile, service: ComposeService): PublishedPort[] {
  const doc = file.doc;
  const list = getNode(service.node, 'ports');
  if (!isSeq(list)) return [];
  const ports: PublishedPort[] = [];
  for (const item of list.items) {
    const node = resolveNode(item) as Node;
    if (isMap(node)) {
      const target = scalarString(getNode(node, 'target'));
      const range = target === undefined ? undefined : parseRange(target);
      if (!range) continue;
      const port: PublishedPort = { containerStart: range[0], containerEnd: range[1], node };
      const hostIp = scalarString(getNode(node, 'host_ip'));
      if (hostIp !== undefined) port.hostIp = hostIp;
      ports.push(port);
      continue;
    }
    const text = scalarString(node);
    if (text === undefined) continue;
    const spec = text.replace(/\/(tcp|udp|sctp)$/i, '');
    let hostIp: string | undefined;
    let rest = spec;
    const bracket = /^\[([^\]]*)\]:(.*)$/.exec(spec);
    if (bracket) {
      hostIp = bracket[1] as string;
      rest = bracket[2] as string;
    }
    const parts = splitVolume(rest);
    const container = parts[parts.length - 1] as string;
    if (!bracket && parts.length >= 3) hostIp = parts.slice(0, parts.length - 2).join(':');
    const range = parseRange(container);
    if (!range) continue;
    const port: PublishedPort = { containerStart: range[0], containerEnd: range[1], node };
    if (hostIp !== undefined) port.hostIp = hostIp;
    ports.push(port);
  }
  return ports;
}

function parseRange(text: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  return [start, m[2] === undefined ? start : Number(m[2])];
}

/** True unless the host address is loopback (a `${VAR:-addr}` counts by its default). */
function publishedEverywhere(hostIp: string | undefined): boolean {
  if (hostIp === undefined) return true;
  const ip = literalOrDefault(hostIp);
  if (ip === null || ip === undefined) return true;
  return !(ip === 'localhost' || ip === '::1' || /^127\.\d+\.\d+\.\d+$/.test(ip));
}

/** One `environment:` entry (map or `NAME=value` list form). */
export interface EnvironmentEntry {
  name: string;
  /** `undefined` for a pass-through entry (`- NAME` or `NAME:`). */
  value?: string;
  node: Node | Pair;
}

/** The service's `environment:` entries, in file order. */
export function environmentOf(file: ComposeFile, service: ComposeService): EnvironmentEntry[] {
  const doc = file.doc;
  const env = getNode(service.node, 'environment');
  const entries: EnvironmentEntry[] = [];
  if (isMap(env)) {
    for (const pair of env.items) {
      const name = scalarString(pair.key);
      if (name === undefined) continue;
      const value = scalarString(resolveNode(pair.value));
      const entry: EnvironmentEntry = { name, node: pair as Pair };
      if (value !== undefined) entry.value = value;
      entries.push(entry);
    }
  } else if (isSeq(env)) {
    for (const item of env.items) {
      const node = resolveNode(item) as Node;
      const text = scalarString(node);
      if (text === undefined) continue;
      const eq = text.indexOf('=');
      entries.push(eq < 0 ? { name: text, node } : { name: text.slice(0, eq), value: text.slice(eq + 1), node });
    }
  }
  return entries;
}

/**
 * The literal a value stands for: the text itself when it has no reference, the default of a value
 * that is exactly `${VAR:-d}` / `${VAR-d}`, `null` when it depends on a variable without a default.
 */
function literalOrDefault(text: string): string | null | undefined {
  const tokens = tokenizeTemplate(text);
  if (tokens.length === 0) return text;
  const only = tokens[0];
  if (tokens.length === 1 && only && only.kind === 'reference' && only.start === 0 && only.end === text.length) {
    if (only.operator === ':-' || only.operator === '-') return only.argument;
    return null;
  }
  return tokens.some((t) => t.kind === 'problem') ? undefined : null;
}

/** Go's time.ParseDuration (what compose-go uses for healthcheck durations), in milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let index = 0;
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text.startsWith('-') ? -1 : 1;
    index = 1;
  }
  if (index >= text.length) return undefined;
  re.lastIndex = index;
  while (index < text.length) {
    const m = re.exec(text);
    if (!m || m.index !== index) return undefined;
    total += Number(m[1]) * (unit[m[2] as string] as number);
    index = re.lastIndex;
  }
  return sign * total;
}

/** docker's units.RAMInBytes (what compose-go uses for mem_limit), in bytes. */
export function parseMemory(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i.exec(text.trim());
  if (!m) return undefined;
  const power = m[2] === undefined ? 0 : 'kmgtp'.indexOf((m[2] as string).toLowerCase()) + 1;
  return Number.parseFloat(m[1] as string) * 1024 ** power;
}
