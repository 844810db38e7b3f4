import { EnvkitError, isEnvkitError } from '../../errors.js';
import { keepRotatedSecret } from '../keyring/keep-rotated.js';
import { messageOf, type RotationContext } from './context.js';

/**
 * Keep the new value in the keyring with the previous one as its history, and the recomputed URL
 * (keepRotatedSecret). Failures become warnings: the rotation is finished. Returns the end of the finish
 * step's detail. Only the plaintext env file has a keyring copy: an encrypted environment's copy is its
 * committed encrypted file.
 */
export async function keepInStore(ctx: RotationContext, previous: string | undefined): Promise<string> {
  const store = ctx.options.store;
  if (!store || ctx.store.kind !== 'file') return '';
  const { cwd, envFile, projectId } = ctx.options;
  const changed = ctx.names.url === undefined ? [] : [ctx.names.url];
  try {
    const kept = await keepRotatedSecret({ cwd, envFile, schema: ctx.schema, store, projectId, key: ctx.key, previous, changed });
    const skipped = kept.keys.filter((k) => k.action === 'skipped');
    if (skipped.length > 0) {
      ctx.warnings.push({ reason: 'keyring-skipped', keys: skipped.map((k) => ({ key: k.key, why: k.reason ?? 'skipped' })) });
      const error = new EnvkitError('KEYRING', `${skipped.map((k) => k.key).join(' and ')} not stored in the ${kept.backend} keyring`, { reason: 'keys-skipped' });
      ctx.keyring = { status: 'failed', error, backup: kept };
    } else {
      ctx.keyring = { status: 'stored', backup: kept };
    }
    const history = kept.history ? ', the previous password kept as its history' : '';
    return `; ${kept.keys.map((k) => k.key).join(' and ')} kept in the ${kept.backend} keyring as ${kept.service}${history}`;
  } catch (error) {
    const reported = isEnvkitError(error) ? error : new EnvkitError('KEYRING', messageOf(error), { reason: 'store-failed' });
    ctx.keyring = { status: 'failed', error: reported, backend: store.backend };
    // A keyring that failed part-way names what it stored before (withDoneBefore): the warning names what it did not.
    const storedBefore = Array.isArray(reported.data.storedBefore) ? reported.data.storedBefore : [];
    const missed = [ctx.key, ...changed].find((k) => !storedBefore.includes(k)) ?? ctx.key;
    ctx.warnings.push({ reason: 'keyring-failed', key: missed, message: messageOf(error), file: ctx.store.name });
    return `; the keyring could not store ${storedBefore.length === 0 ? 'it' : missed} (see warnings)`;
  }
}
