import { existsSync } from 'node:fs';
import type { Finding } from '../findings.js';
import { hasErrors } from '../findings.js';
import type { EnvSchema } from '../schema/define.js';
import { documentFindings } from '../project/check.js';
import { listRecipients } from './recipients.js';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { rotationPendingFinding } from '../project/check.js';
import type { PendingRotation } from '../project/rotation/pending.js';
import type { KeyPair } from './keys.js';
import { openEnvironment } from './environment.js';
import { environmentStore } from './rotation-store.js';

/**
 * `check --env NAME`: the environment decrypted in memory and checked like `.env` (syntax, portability,
 * schema, defaults), its recipients list read, a plaintext copy `.env.<name>` beside it reported, and an
 * unfinished rotation (its encrypted pending file) reported as an error, as for `.env`. Nothing is written
 * anywhere. Decryption problems throw (CRYPTO), as for every command.
 */
export async function checkEnvironment(options: { cwd: string; name: string; schema: EnvSchema; identities: readonly KeyPair[] }): Promise<{ findings: Finding[]; ok: boolean }> {
  const { paths, recipients } = listRecipients(options.cwd, options.name);
  const { doc } = await openEnvironment(options.cwd, options.name, options.identities.map((i) => i.identity));
  const findings = documentFindings(doc, options, paths.encryptedName);
  const store = environmentStore(options);
  if (store.hasPending()) {
    let pending: PendingRotation | undefined | EnvkitError;
    try {
      pending = await store.readPending();
    } catch (error) {
      pending = isEnvkitError(error) ? error : new EnvkitError('FILE', 'unreadable');
    }
    findings.push(rotationPendingFinding({ file: store.pendingName, envName: paths.encryptedName, pending, environment: options.name }));
  }
  if (recipients.length === 0) {
    findings.push({
      severity: 'error',
      rule: 'age.recipients',
      file: paths.recipientsName,
      message: `${paths.recipientsName} is missing or empty: the next write could not encrypt to anyone`,
      fix: 'add a recipient to it',
      hint: { code: 'add-recipient', environment: options.name },
    });
  }
  if (existsSync(paths.plaintext)) {
    findings.push({
      severity: 'warning',
      rule: 'age.plaintext',
      file: `.env.${options.name}`,
      message: `a plaintext copy of environment ${options.name} is on disk`,
      fix: `delete it (rm .env.${options.name}) once its values are in ${paths.encryptedName}`,
    });
  }
  return { findings, ok: !hasErrors(findings) };
}
