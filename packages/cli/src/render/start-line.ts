import type { StackEnvFile } from 'envkit/project';
import { list } from './value-fix.js';

/**
 * How the app starts with the env file init wrote, as its `Next:` line says it: the stack with compose where
 * its compose file gives it the env file (memu's, with podman-compose); where the stack reads another file
 * (`.env`, after `init -f prod.env`) starting it would not give it these values, and without a compose file
 * `podman-compose up -d` cannot work: the app is started however it runs.
 */
export function startLine(composeFile: string | undefined, stack: StackEnvFile | undefined, envFile: string): string {
  if (composeFile === undefined) return `start the app with ${envFile} (there is no compose file here: start it the way it runs)`;
  if (stack === undefined || stack.status === 'reads') return 'start the stack (`podman-compose up -d`)';
  if (stack.status === 'unknown') return `start the app with ${envFile} (envkit could not read ${composeFile} to tell whether its stack reads ${envFile}: the check says why)`;
  const some = stack.loading.length > 0 ? ' all' : '';
  return `start the app with ${envFile} the way it runs: ${stackReads(stack, composeFile, envFile)}, so starting the stack as it is would not give it${some} the values of ${envFile}`;
}

/** What the stack of `composeFile` reads instead of `envFile`: `the stack of docker-compose.yml reads .env (env_file of memu and db; ${MEMU_MEMORY_LIMIT}), not prod.env`. */
function stackReads(stack: Extract<StackEnvFile, { status: 'other' }>, composeFile: string, envFile: string): string {
  const files = new Map(stack.others.map((o) => [o.path, [`env_file of ${list(o.services)}`]]));
  // podman-compose takes `${KEY}` from the .env beside the compose file.
  if (stack.interpolated.length > 0) files.set('.env', [...(files.get('.env') ?? []), list(stack.interpolated.map((k) => `\${${k}}`))]);
  const loading = stack.loading.length === 0 ? `no service loads ${envFile} (env_file)` : `${list(stack.loading)} ${stack.loading.length === 1 ? 'loads' : 'load'} ${envFile}`;
  if (files.size === 0) return `the stack of ${composeFile} does not read ${envFile}: ${loading}`;
  const read = [...files].map(([file, how]) => `${file} (${how.join('; ')})`).join(' and ');
  return `the stack of ${composeFile} reads ${read}, not ${envFile}${stack.loading.length === 0 ? '' : ` (${loading})`}`;
}
