import { dirname, join, resolve } from 'node:path';
import type { EnvSchema } from '../schema/define.js';
import { readComposeText } from '../compose/read.js';
import { composeReferences } from '../compose/references.js';
import { envFilesLoaded } from '../compose/services.js';
import { readTextFile } from '../files/write-file.js';
import { projectPaths, type ProjectOptions } from './context.js';

/**
 * Whether starting the stack of a project's compose file gives it the values of the env file (see
 * {@link stackEnvFile}): `reads`, or `other` with what it reads instead, or `unknown` (the compose file
 * cannot be read or does not parse).
 */
export type StackEnvFile =
  | { status: 'reads' }
  | {
      status: 'other';
      /** The services whose `env_file:` names the env file. */
      loading: string[];
      /** The other files the services load with `env_file:`, as written, each with the services that load it. */
      others: { path: string; services: string[] }[];
      /** The schema's variables the compose file interpolates (`${KEY}`): compose takes them from the project's `.env`. */
      interpolated: string[];
    }
  | { status: 'unknown' };

/**
 * What the stack of `composeFile` (a compose file of the project directory) reads of the project's env file.
 * The project's `.env` is read by compose itself for `${…}` (podman-compose 1.0.3 has no option to read
 * another file for that: docs/deployment.md), so for `.env` the answer is `reads` without reading the compose
 * file. Another env file is read only where `env_file:` names it: the stack reads it (`reads`) when some
 * service loads it, no service loads any other file and no schema variable is interpolated (from `.env`).
 * Never throws: an unreadable compose file is `unknown`.
 */
export async function stackEnvFile(options: ProjectOptions & { schema: EnvSchema; composeFile: string }): Promise<StackEnvFile> {
  const paths = projectPaths(options);
  const path = resolve(paths.dir, options.composeFile);
  if (paths.env === join(dirname(path), '.env')) return { status: 'reads' };
  let text: string | undefined;
  try {
    text = readTextFile(path, { followSymlinks: true });
  } catch {
    return { status: 'unknown' };
  }
  if (text === undefined) return { status: 'unknown' };
  const file = await readComposeText(text, options.composeFile);
  if (file.errors.some((e) => e.severity === 'error')) return { status: 'unknown' };
  const loading: string[] = [];
  const others = new Map<string, string[]>();
  for (const service of file.services) {
    for (const entry of envFilesLoaded(service, path)) {
      if (entry.resolved === paths.env) {
        if (!loading.includes(service.name)) loading.push(service.name);
        continue;
      }
      const services = others.get(entry.path) ?? [];
      if (!services.includes(service.name)) services.push(service.name);
      others.set(entry.path, services);
    }
  }
  const interpolated = [...new Set(composeReferences(file).references.map((r) => r.name))].filter((name) => options.schema.vars[name] !== undefined);
  if (loading.length > 0 && others.size === 0 && interpolated.length === 0) return { status: 'reads' };
  return { status: 'other', loading, others: [...others].map(([p, services]) => ({ path: p, services })), interpolated };
}
