import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { EnvSchema } from '../../schema/define.js';
import { serviceName, type SecretStore } from '../../keyring/store.js';
import { projectPaths, type ProjectOptions } from '../context.js';

/*
 * The keyring side of a project: which entries belong to it (the project id), copying the secrets of `.env`
 * into a SecretStore, comparing the two, rebuilding `.env` from the store, and forgetting the entries.
 * Every function takes the store as an argument, so the OS keyring and MemoryStore behave the same here.
 * Nothing returned or thrown ever holds a value.
 */

/** Options shared by the functions that pair a project with its keyring entries. */
export interface KeyringProjectOptions extends ProjectOptions {
  /** Where the secrets are kept: the OS keyring (`openOsStore`) or a `MemoryStore`. */
  store: SecretStore;
  /** The project id (service `envkit:<id>`); default {@link defaultProjectId} of the project. */
  projectId?: string;
}

/** Which keyring entries a result is about. */
export interface KeyringTarget {
  projectId: string;
  /** `envkit:<projectId>`. */
  service: string;
  /** The store's backend: `secret-service`, `keychain`, `windows`, `keyutils` or `memory`. */
  backend: string;
}

const MAX_NAME = 60;

/**
 * The project id envkit uses when none is given: the project directory's name, reduced to
 * `[A-Za-z0-9._-]`, then `-` and the first 8 hex digits of the SHA-256 of its absolute path. Two deployments
 * named alike in different directories never share keyring entries, and the id needs nothing from `.env`,
 * so it survives the loss of that file. A moved or renamed directory gets a new id: pass the old one
 * (`--project`, `ENVKIT_PROJECT`) to reach the old entries.
 *
 * An env file other than `<dir>/.env` is hashed by its own absolute path instead, so `.env` and
 * `.env.staging` of one directory keep apart.
 *
 * @example
 * defaultProjectId({ cwd: '/srv/memu' }); // 'memu-' + 8 hex digits
 */
export function defaultProjectId(options: Pick<ProjectOptions, 'cwd' | 'envFile'>): string {
  const dir = resolve(options.cwd);
  const env = projectPaths(options).env;
  const hashed = env === resolve(dir, '.env') ? dir : env;
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 8);
  const name = basename(dir)
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_NAME)
    .replace(/[._-]+$/, '');
  return `${name === '' ? 'project' : name}-${hash}`;
}

/**
 * The project id to use: `given` (from `--project` or `ENVKIT_PROJECT`) when it is not empty, else
 * {@link defaultProjectId}. Throws USAGE for an id the keyring cannot name (see `serviceName`).
 */
export function resolveProjectId(options: Pick<ProjectOptions, 'cwd' | 'envFile'> & { projectId?: string | undefined }): string {
  const given = options.projectId?.trim();
  const id = given === undefined || given === '' ? defaultProjectId(options) : given;
  serviceName(id);
  return id;
}

/** The variables a project keeps in the keyring: the schema's secrets, in schema order (derived ones included). */
export function secretKeys(schema: EnvSchema): string[] {
  return Object.entries(schema.vars)
    .filter(([, spec]) => spec.secret)
    .map(([key]) => key);
}

/** The keyring entries `options` are about (the project id resolved, its service, the backend). */
export function targetOf(options: Pick<KeyringProjectOptions, 'cwd' | 'envFile' | 'store' | 'projectId'>): KeyringTarget {
  const projectId = resolveProjectId(options);
  return { projectId, service: serviceName(projectId), backend: options.store.backend };
}
