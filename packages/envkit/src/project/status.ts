import { readFileSync } from 'node:fs';
import type { Finding, FindingHint } from '../findings.js';
import { POSTGRES_IMAGE_KEYS } from '../schema/profile.js';
import { databaseKeysFor } from './rotation/keys.js';
import { hasErrors } from '../findings.js';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { readComposeText, type ComposeFile, type ComposeService } from '../compose/read.js';
import { environmentOf, loadsDotEnv, onlyReference } from '../compose/services.js';
import { composeArgv, composeEngine, givenComposeFilePaths, shellLine, type ComposeProject } from '../compose/project.js';
import { containerEnvironment, execInContainer, listServiceContainers, runEngine, type EngineRun, type ServiceContainer } from '../compose/containers.js';
import { ollamaVersionUrl } from '../compose/probes.js';
import { detectComposeCommand } from '../database/compose-command.js';
import { checkStoredPasswordViaCompose } from './rotation/compose.js';
import { projectPaths, type ProjectOptions } from './context.js';
import { readEnvFile } from './env-file.js';

/** Options of {@link stackStatus}. */
export interface StatusOptions extends ProjectOptions {
  /** The compose command with its flags, as for rotate; detected when absent. */
  composeCmd?: string;
  /** `-f` files in order; compose's own search in the project directory when absent. */
  composeFiles?: string[];
  /** `-p`. */
  composeProject?: string;
  /** The database service (default: the schema profile's, memu's `db`; none: its login is not checked). */
  dbService?: string;
  /** The app service that must reach Ollama (default: the schema profile's, memu's `memu`). */
  appService?: string;
  /** The variable holding the Ollama API URL (default: the schema profile's, memu's `OLLAMA_API_BASE_URL`). */
  ollamaKey?: string;
  /** Time limit of each engine command (default 30 s). */
  timeoutMs?: number;
  /** Environment for compose and the engine (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** One service of the running stack. Holds names and states, never a value. */
export interface ServiceStatus {
  service: string;
  /** The container's name; absent when compose has not created one. */
  container?: string;
  /** `running`, `exited`, … or `missing`. */
  state: string;
  /** `healthy` / `unhealthy` after running the healthcheck; `none` without one. */
  health?: 'healthy' | 'unhealthy' | 'none';
  /** The container's restart policy (`always`, `unless-stopped`, …). */
  restart?: string;
  /** Variables whose value in the container differs from `.env` (the container started before an edit). */
  staleKeys: string[];
  /** Error lines in the recent log, by the rule that matched (the lines are never shown). */
  logErrors: { rule: string; count: number }[];
}

/** What {@link stackStatus} found. */
export interface StatusResult {
  services: ServiceStatus[];
  findings: Finding[];
  ok: boolean;
}

const LOG_TAIL = 200;
/** What counts as an error line in a service's log: the rule's name is reported, never the line. */
const LOG_RULES: readonly { rule: string; pattern: RegExp }[] = [
  { rule: 'ERROR', pattern: /\bERROR\b/ },
  { rule: 'FATAL', pattern: /\bFATAL\b/ },
  { rule: 'PANIC', pattern: /\bPANIC\b|\bpanic:/ },
  { rule: 'CRITICAL', pattern: /\bCRITICAL\b/ },
  { rule: 'traceback', pattern: /^Traceback \(most recent call last\)/ },
];

/**
 * The deployment's validation list, run against the live stack: for each compose service its container
 * state and health (the healthcheck is run now: without systemd podman never runs it), whether its
 * environment still matches `.env`, a restart policy that survives a reboot, and error lines in its recent
 * logs; for the database, that it accepts `.env`'s password; for the app, that it reaches Ollama from inside
 * its container. Findings as `check` has them; no value ever appears in them.
 *
 * @throws EnvkitError `USAGE` without a compose file, `TOOL` when no compose command or engine can be run.
 */
export async function stackStatus(options: StatusOptions): Promise<StatusResult> {
  const paths = projectPaths(options);
  const env = options.env ?? process.env;
  const files = options.composeFiles ?? [];
  const composePaths = givenComposeFilePaths({ dir: paths.dir, files });
  if (composePaths.length === 0) {
    throw new EnvkitError('USAGE', `no compose file in ${paths.dir}`, { hint: 'run it in the directory of the compose file, or name the compose files', reason: 'no-compose-file' });
  }
  const compose = detectComposeCommand({ given: options.composeCmd, env });
  if (compose === undefined) {
    throw new EnvkitError('TOOL', 'no compose command found (podman-compose, docker compose, docker-compose)', {
      hint: 'install podman-compose (apt-get install podman-compose) or name the compose command',
      reason: 'no-compose-command',
    });
  }
  const project: ComposeProject = { compose, dir: paths.dir, files, ...(options.composeProject === undefined ? {} : { projectName: options.composeProject }) };
  const parsed = await Promise.all(composePaths.map((path) => readComposeText(readFileSync(path, 'utf8'), path)));
  const names = [...new Set(parsed.flatMap((file) => file.services.map((s) => s.name)))];
  const values = readEnvFile(paths).doc.toObject();
  const run: EngineRun = { env, secrets: Object.values(values).filter((v) => v.length >= 8), timeoutMs: options.timeoutMs ?? 30_000 };
  const profile = options.schema.profile;
  const dbService = options.dbService ?? profile?.database?.service;
  const appService = options.appService ?? profile?.app?.service;
  const finding = (severity: Finding['severity'], rule: string, service: string, message: string, fix?: string, key?: string, hint?: FindingHint): Finding => ({
    severity,
    rule,
    message: `${service}: ${message}`,
    ...(fix === undefined ? {} : { fix }),
    ...(key === undefined ? {} : { key }),
    ...(hint === undefined ? {} : { hint }),
  });
  const line = (args: string[]): string => shellLine(composeArgv(project, args));

  // Why the matching lines are not shown: an app whose URL holds the database password can log it.
  const hidden = profile?.app !== undefined && profile.database?.keys.url !== undefined ? `${profile.app.service}'s logs can carry its URL` : 'a log line can carry a secret';
  const running = new Map<string, ServiceContainer>();
  const version = engineVersion(project, run);
  // Awaited only once a service is found running: should the engine fail before that, the first error is
  // the one reported, and this one must not end the process as an unhandled rejection.
  version.catch(() => undefined);
  // Services are inspected side by side: each is a handful of engine commands.
  const inspected = await Promise.all(names.map(async (service): Promise<[ServiceStatus, Finding[]]> => {
    const status: ServiceStatus = { service, state: 'missing', staleKeys: [], logErrors: [] };
    const local: Finding[] = [];
    const add = (...args: Parameters<typeof finding>): void => void local.push(finding(...args));
    const containers = await listServiceContainers(project, service, run);
    const container = containers.find((c) => c.state === 'running') ?? containers[0];
    if (container === undefined) {
      add('error', 'status.container', service, 'no container: compose has not created it', line(['up', '-d', service]));
      return [status, local];
    }
    status.container = container.name;
    status.state = container.state;
    if (container.state !== 'running') {
      add('error', 'status.container', service, `container ${container.name} is ${container.state}`, line(['up', '-d', service]));
      return [status, local];
    }
    running.set(service, container);
    status.health = await runHealthcheck(project, container, run);
    if (status.health === 'unhealthy') add('error', 'status.health', service, `the healthcheck of ${container.name} fails`, `see its logs: ${line(['logs', service])}`);
    status.restart = await inspect(project, container, '{{.HostConfig.RestartPolicy.Name}}', run);
    const restartFinding = restartPolicyFinding(status.restart, composeEngine(compose).kind, await version);
    if (restartFinding) add('warning', 'status.restart', service, restartFinding.message, restartFinding.fix);
    status.staleKeys = staleKeys(parsed, service, values, await containerEnvironment(project, container, run));
    if (status.staleKeys.length > 0) {
      add('warning', 'status.env-stale', service, `the container was started before .env changed: ${status.staleKeys.join(', ')} differ${status.staleKeys.length === 1 ? 's' : ''} from .env`, line(['up', '-d', '--force-recreate', service]));
    }
    status.logErrors = await logErrors(project, container, run);
    for (const { rule, count } of status.logErrors) {
      add('warning', 'status.log-errors', service, `${count} line${count === 1 ? '' : 's'} matching ${rule} in the last ${LOG_TAIL} log lines (not shown: ${hidden})`, `read them: ${line(['logs', service])}`);
    }
    return [status, local];
  }));
  const services = inspected.map(([status]) => status);
  const findings = inspected.flatMap(([, local]) => local);
  const add = (...args: Parameters<typeof finding>): void => void findings.push(finding(...args));

  const db = dbService === undefined ? undefined : running.get(dbService);
  const keys = databaseKeysFor(options.schema, profile?.database?.keys.password ?? POSTGRES_IMAGE_KEYS.password);
  if (dbService !== undefined && db !== undefined && keys !== undefined && values[keys.password]) {
    const login = { service: dbService, user: values[keys.user] ?? '', database: values[keys.database] ?? '', role: values[keys.user] ?? '' };
    try {
      const stored = await checkStoredPasswordViaCompose({ project, env, timeoutMs: run.timeoutMs }, login, values[keys.password]!);
      if (stored.kind === 'mismatch') {
        add('error', 'status.database', dbService, `the database does not accept .env's ${keys.password}: ${stored.reason}`, `if a rotation of ${keys.password} is pending, finish it`, keys.password, { code: 'finish-rotation', key: keys.password });
      }
      else if (stored.kind === 'unreadable') add('info', 'status.database', dbService, `cannot tell whether the database accepts .env's ${keys.password}: ${stored.reason}`);
    } catch (error) {
      add('error', 'status.database', dbService, isEnvkitError(error) ? error.message : 'the database could not be asked');
    }
  }
  const ollamaKey = options.ollamaKey ?? profile?.ollamaKey;
  const app = appService === undefined ? undefined : running.get(appService);
  const ollama = ollamaKey === undefined ? undefined : values[ollamaKey] || options.schema.vars[ollamaKey]?.default;
  if (appService !== undefined && ollamaKey !== undefined && app !== undefined && ollama) {
    const reached = await reachFromContainer(project, app, ollamaVersionUrl(ollama), run);
    if (reached !== 'ok') add('error', 'status.ollama', appService, `Ollama (${ollamaKey}) is not reachable from inside the container: ${reached}`, `check ${ollamaKey} and that Ollama listens on an address the container can reach`, ollamaKey);
  }
  return { services, findings, ok: !hasErrors(findings) };
}

/** Run the container's healthcheck now (podman; docker reports its own last result). */
async function runHealthcheck(project: ComposeProject, container: ServiceContainer, run: EngineRun): Promise<ServiceStatus['health']> {
  const engine = composeEngine(project.compose);
  if (engine.kind === 'docker') {
    const status = await inspect(project, container, '{{if .State.Health}}{{.State.Health.Status}}{{end}}', run);
    return status === '' ? 'none' : status === 'healthy' ? 'healthy' : 'unhealthy';
  }
  const result = await runEngine(engine, ['healthcheck', 'run', container.id], '', run);
  if (result.kind === 'exit' && result.code === 0) return 'healthy';
  if (result.kind === 'exit' && /has no defined healthcheck/i.test(result.stderr)) return 'none';
  return 'unhealthy';
}

async function inspect(project: ComposeProject, container: ServiceContainer, format: string, run: EngineRun): Promise<string> {
  const result = await runEngine(composeEngine(project.compose), ['inspect', '--format', format, container.id], '', run);
  return result.kind === 'exit' && result.code === 0 ? result.stdout.trim() : '';
}

async function engineVersion(project: ComposeProject, run: EngineRun): Promise<string> {
  const result = await runEngine(composeEngine(project.compose), ['--version'], '', run);
  return result.kind === 'exit' ? result.stdout : '';
}

/**
 * A restart policy that does not bring the service back after a reboot: `no`/`on-failure` never do; before
 * podman 5.8 podman-restart.service restarts only `always` containers.
 */
export function restartPolicyFinding(policy: string | undefined, engine: 'podman' | 'docker', version: string): { message: string; fix: string } | undefined {
  const name = policy === undefined || policy === '' ? 'no' : policy;
  if (name === 'always') return undefined;
  const m = /(\d+)\.(\d+)/.exec(version);
  const podmanBefore58 = engine === 'podman' && (!m || Number(m[1]) < 5 || (Number(m[1]) === 5 && Number(m[2]) < 8));
  if (name === 'unless-stopped' && !podmanBefore58) return undefined;
  return {
    message: `restart policy "${name}" does not bring the service back after a reboot${podmanBefore58 && name === 'unless-stopped' ? ` on podman ${m ? `${m[1]}.${m[2]}` : 'before 5.8'}` : ''}`,
    fix: 'use `restart: always` in the compose file, recreate the container, and enable podman-restart.service',
  };
}

/**
 * The variables whose container value differs from `.env`: every `.env` key for a service that loads
 * `.env` with env_file, and each `KEY: ${VAR}` entry of its `environment:`.
 */
function staleKeys(files: readonly ComposeFile[], service: string, values: Readonly<Record<string, string>>, actual: ReadonlyMap<string, string>): string[] {
  const expected = new Map<string, string>();
  for (const file of files) {
    const svc = file.services.find((s: ComposeService) => s.name === service);
    if (svc === undefined) continue;
    if (loadsDotEnv(svc)) for (const [key, value] of Object.entries(values)) expected.set(key, value);
    for (const entry of environmentOf(svc)) {
      if (entry.value === undefined) continue;
      const name = onlyReference(entry.value);
      if (name !== undefined && values[name] !== undefined) expected.set(entry.name, values[name]!);
    }
  }
  return [...expected].filter(([key, value]) => actual.get(key) !== value).map(([key]) => key).sort();
}

async function logErrors(project: ComposeProject, container: ServiceContainer, run: EngineRun): Promise<{ rule: string; count: number }[]> {
  const result = await runEngine(composeEngine(project.compose), ['logs', '--tail', String(LOG_TAIL), container.id], '', run);
  if (result.kind !== 'exit') return [];
  const counts = new Map<string, number>();
  for (const text of `${result.stdout}\n${result.stderr}`.split('\n')) {
    const rule = LOG_RULES.find((r) => r.pattern.test(text))?.rule;
    if (rule !== undefined) counts.set(rule, (counts.get(rule) ?? 0) + 1);
  }
  return [...counts].map(([rule, count]) => ({ rule, count }));
}

/**
 * GET `url` from inside the container with its own python (memu is a Python service); the URL goes on
 * stdin, not argv. `ok`, or why not.
 */
async function reachFromContainer(project: ComposeProject, container: ServiceContainer, url: string, run: EngineRun): Promise<string> {
  const script =
    'import sys, urllib.request\n' +
    'try:\n  r = urllib.request.urlopen(sys.stdin.readline().strip(), timeout=5); print("envkit-status", r.status)\n' +
    'except Exception as e:\n  print("envkit-status", type(e).__name__)\n';
  for (const python of ['python3', 'python']) {
    const result = await execInContainer(project, container, [python, '-c', script], `${url}\n`, run);
    const answer = /^envkit-status (\S+)/m.exec(result.stdout)?.[1];
    if (answer === '200') return 'ok';
    if (answer !== undefined) return answer === 'URLError' ? 'connection failed (name not resolved or refused)' : `answered ${answer}`;
    if (!(result.kind === 'exit' && result.code === 127)) return 'the check could not run in the container';
  }
  return 'no python in the container to ask with';
}
