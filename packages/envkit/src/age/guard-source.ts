import type { EnvSchema } from '../schema/define.js';
import type { SecretSource } from '../guard/sources.js';
import { secretKeys } from '../project/keyring/project-id.js';
import { isEnvkitError } from '../errors.js';
import { openEnvironment } from './environment.js';

/**
 * The secrets of an encrypted environment (`.env.<name>.age`) for `envkit guard`, decrypted in memory with
 * `identities`. An environment these identities cannot open (not a recipient) holds nothing the user could
 * have pasted from it: it gives no values, and `skipped` says why. Anything else wrong with it (tampered,
 * truncated) throws, because the guard cannot know what it does not read.
 */
export function environmentSource(options: { dir: string; name: string; schema: EnvSchema; identities: readonly string[] }): SecretSource & { skipped?: string } {
  const source: SecretSource & { skipped?: string } = {
    name: `.env.${options.name}.age`,
    environment: options.name,
    async read() {
      let values: Record<string, string>;
      try {
        values = (await openEnvironment(options.dir, options.name, options.identities)).doc.toObject();
      } catch (error) {
        if (isEnvkitError(error, 'CRYPTO') && /was not encrypted to|no age identity to decrypt/.test(error.message)) {
          source.skipped = error.message;
          return [];
        }
        throw error;
      }
      return secretKeys(options.schema).flatMap((key) => (values[key] ? [{ key, value: values[key]! }] : []));
    },
  };
  return source;
}
