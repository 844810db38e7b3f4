import { EnvkitError } from '../errors.js';
import { composeSpawnError, exitStatus, runCompose, shownOutput, type ComposeRunResult } from '../database/run-compose.js';
import { composeArgv, composeEngine, projectWorkingDir, shellLine, type ComposeEngine, type ComposeProject } from './project.js';

/**
 * Containers of a compose project, found and used through the container engine itself (podman or docker),
 * never through `compose exec`: podman-compose 1.0.3 copies the service's whole environment onto podman's
 * argv for `exec` (`--env POSTGRES_PASSWORD=…`, visible in `ps`), prints its own lines on stdout before the
 * command's, and exits 0 when the command under it failed. `podman exec -i <id>` puts nothing of the
 * container's environment on any argv and reports the command's own exit status.
 */

/** One container of a service, as the engine lists it. */
export interface ServiceContainer {
  id: string;
  name: string;
  /** The engine's state word: `running`, `exited`, `created`, `paused`, … */
  state: string;
}

/** Where and how long engine commands run. */
export interface EngineRun {
  /** The environment the engine runs with (secrets are kept out of it by the runner). */
  env: NodeJS.ProcessEnv;
  /** Values that must not reach the engine's environment or any message. */
  secrets?: readonly string[];
  timeoutMs: number;
}

/**
 * The containers compose created for `service` in this project, found by the labels every compose tool
 * sets (`com.docker.compose.service`, `com.docker.compose.project.working_dir`, and
 * `com.docker.compose.project` when the project is named with `-p`).
 *
 * @throws EnvkitError `TOOL` when the engine cannot be run or answers with something else than a list.
 */
export async function listServiceContainers(project: ComposeProject, service: string, run: EngineRun): Promise<ServiceContainer[]> {
  const engine = composeEngine(project.compose);
  const filters = [`label=com.docker.compose.service=${service}`, `label=com.docker.compose.project.working_dir=${projectWorkingDir(project)}`];
  if (project.projectName !== undefined) filters.push(`label=com.docker.compose.project=${project.projectName}`);
  const args = ['ps', '-a', ...filters.flatMap((f) => ['--filter', f]), '--format', engine.kind === 'podman' ? 'json' : '{{json .}}'];
  const result = await runEngine(engine, args, '', run);
  if (result.kind !== 'exit' || result.code !== 0) throw engineFailed(engine, args, result, run);
  try {
    return parseContainerList(result.stdout);
  } catch {
    throw new EnvkitError('TOOL', `\`${shellLine([...engine.argv, ...args])}\` did not answer with a container list`, {
      hint: `run it by hand to see what ${engine.argv[0]} says`,
    });
  }
}

/**
 * The one running container of `service`, or a `TOOL` error that says why there is none, with
 * `reason` `container-missing` (compose never created it: the stack is not up), `container-not-running`
 * (it exists but is stopped) or `container-ambiguous`.
 */
export async function runningServiceContainer(project: ComposeProject, service: string, run: EngineRun): Promise<ServiceContainer> {
  const containers = await listServiceContainers(project, service, run);
  const running = containers.filter((c) => c.state === 'running');
  const up = shellLine(composeArgv(project, ['up', '-d']));
  if (running.length === 1) return running[0]!;
  if (running.length > 1) {
    throw new EnvkitError('TOOL', `${running.length} running containers belong to service "${service}" (${running.map((c) => c.name).join(', ')})`, {
      hint: 'name the compose project (-p) so envkit can tell them apart',
      reason: 'container-ambiguous',
    });
  }
  if (containers.length === 0) {
    throw new EnvkitError('TOOL', `the ${service} container is not running: compose has not created it in ${project.dir}`, {
      hint: `start the stack: \`${up}\``,
      reason: 'container-missing',
    });
  }
  const [stopped] = containers;
  throw new EnvkitError('TOOL', `the ${service} container (${stopped!.name}) is not running: it is ${stopped!.state}`, {
    hint: `start it: \`${shellLine(composeArgv(project, ['up', '-d', service]))}\``,
    reason: 'container-not-running',
  });
}

/**
 * Run `argv` in a container with `stdin` (`podman exec -i <id> …`). Nothing of the container's
 * environment, and nothing secret, is put on the engine's argv. Never rejects for the command's own
 * failure: the caller reads the result; a missing engine is a `TOOL` error.
 */
export async function execInContainer(
  project: ComposeProject,
  container: ServiceContainer,
  argv: readonly string[],
  stdin: string,
  run: EngineRun,
): Promise<Exclude<ComposeRunResult, { kind: 'spawn-error' }>> {
  return runEngine(composeEngine(project.compose), ['exec', '-i', container.id, ...argv], stdin, run);
}

/** True when an exec failed because the command does not exist in the container (exit 127, runc's words). */
export function commandMissing(result: Exclude<ComposeRunResult, { kind: 'spawn-error' }>): boolean {
  return result.kind === 'exit' && (result.code === 127 || /executable file not found|no such file or directory: OCI/i.test(result.stderr));
}

/**
 * The environment a container was started with (`inspect`), as name → value. The values stay in this
 * process: callers compare them and report names only.
 */
export async function containerEnvironment(project: ComposeProject, container: ServiceContainer, run: EngineRun): Promise<Map<string, string>> {
  const engine = composeEngine(project.compose);
  const args = ['inspect', '--format', '{{json .Config.Env}}', container.id];
  const result = await runEngine(engine, args, '', run);
  if (result.kind !== 'exit' || result.code !== 0) throw engineFailed(engine, args, result, run);
  const env = new Map<string, string>();
  let list: unknown;
  try {
    list = JSON.parse(result.stdout.trim() || '[]');
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list)) throw new EnvkitError('TOOL', `\`${shellLine([...engine.argv, ...args])}\` did not answer with an environment`);
  for (const item of list) {
    if (typeof item !== 'string') continue;
    const eq = item.indexOf('=');
    if (eq > 0) env.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return env;
}

/** Run the engine; a missing engine is a TOOL error naming it. */
export async function runEngine(
  engine: ComposeEngine,
  args: readonly string[],
  stdin: string,
  run: EngineRun,
): Promise<Exclude<ComposeRunResult, { kind: 'spawn-error' }>> {
  const argv = [...engine.argv, ...args];
  const secrets = run.secrets ?? [];
  const result = await runCompose(argv, { cwd: '/', env: run.env, secrets, stdin, timeoutMs: run.timeoutMs });
  if (result.kind === 'spawn-error') {
    const error = composeSpawnError(argv[0]!, shellLine(argv), result.error, secrets, `is ${engine.kind} installed?`);
    if (result.error.code !== 'ENOENT') throw error;
    throw new EnvkitError('TOOL', `the container engine \`${argv[0]}\` was not found`, {
      hint: engine.kind === 'podman' ? 'install podman (apt-get install podman)' : 'install docker',
      reason: 'engine-missing',
    });
  }
  return result;
}

function engineFailed(engine: ComposeEngine, args: readonly string[], result: Exclude<ComposeRunResult, { kind: 'spawn-error' }>, run: EngineRun): EnvkitError {
  const how = result.kind === 'timeout' ? `no answer within ${run.timeoutMs} ms, stopped` : exitStatus(result);
  return new EnvkitError('TOOL', `\`${shellLine([...engine.argv, ...args])}\` failed (${how}): ${shownOutput(result, run.secrets ?? [])}`);
}

/** podman's JSON array, or docker's one JSON object a line. */
function parseContainerList(text: string): ServiceContainer[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const items: unknown[] = trimmed.startsWith('[') ? (JSON.parse(trimmed) as unknown[]) : trimmed.split('\n').map((line) => JSON.parse(line) as unknown);
  return items.map((item) => {
    const record = item as Record<string, unknown>;
    const id = String(record.Id ?? record.ID ?? '');
    const names = record.Names;
    const name = Array.isArray(names) ? String(names[0] ?? id) : String(names ?? id);
    const state = String(record.State ?? '').toLowerCase();
    if (id === '') throw new Error('no id');
    return { id, name, state };
  });
}
