import type { EnvSchema } from '../schema/define.js';
import type { SecretStore } from '../keyring/store.js';
import { projectPaths, type ProjectOptions } from '../project/context.js';
import { readEnvFile } from '../project/env-file.js';
import { readHeld } from '../project/keyring/held.js';
import { secretKeys } from '../project/keyring/project-id.js';

/** A current secret of the project. `value` must never be printed, logged or passed to another process. */
export interface SecretValue {
  key: string;
  value: string;
  /** The encrypted environment it was read from (its source's `environment`); absent for the env file and the keyring. */
  environment?: string;
}

/**
 * A place that holds the project's current secret values. The guard searches the scanned content for the
 * values of every source it is given, so another kind of place (an encrypted environment
 * `.env.<name>.age` the user can open) is one more entry in the list.
 */
export interface SecretSource {
  /** How the place is named in the summary, e.g. `.env` or `keyring envkit:memu-1a2b3c4d`. */
  name: string;
  /** The encrypted environment it is (`.env.<name>.age`): a leak of its value is rotated there. */
  environment?: string;
  /** The secret values it holds now. Throws when the place exists but cannot be read completely. */
  read(): Promise<SecretValue[]>;
}

function schemaSecrets(schema: EnvSchema, values: Record<string, string | undefined>): SecretValue[] {
  return secretKeys(schema).flatMap((key) => {
    const value = values[key];
    return value === undefined || value === '' ? [] : [{ key, value }];
  });
}

/**
 * The secrets of the project's env file (`.env`): the schema's `secret` variables that have a value. A
 * missing file holds none; a file that does not parse throws PARSE (file:line), because the guard cannot
 * know what it does not read.
 */
export function envFileSource(options: ProjectOptions): SecretSource {
  const paths = projectPaths(options);
  return {
    name: paths.envName,
    async read() {
      const { text, doc } = readEnvFile(paths);
      return text === undefined ? [] : schemaSecrets(options.schema, doc.toObject());
    },
  };
}

/** The current keyring copies of the schema's secrets for `projectId` (not their history: old values were rotated). */
export function keyringSource(options: { store: SecretStore; projectId: string; schema: EnvSchema }): SecretSource {
  return {
    name: `keyring envkit:${options.projectId}`,
    async read() {
      // One listing of the project where the store has one, not a keyring session per secret (docs/keyring.md).
      const secrets = secretKeys(options.schema);
      const held = await readHeld(options.store, options.projectId, secrets);
      return schemaSecrets(options.schema, Object.fromEntries(secrets.map((key) => [key, held.values.get(key)])));
    },
  };
}
