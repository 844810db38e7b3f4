import { EnvkitError } from '../../errors.js';
import { assertValidValues, isPresent, type KeySummary } from '../plan.js';
import { nextSecretValue, type EditResult } from '../edit.js';
import { applyStep, preflight } from './apply.js';
import { advance, messageOf, via, type RotationContext } from './context.js';
import { keepInStore } from './keyring-copy.js';
import { checkResumable, readLogin } from './login.js';
import type { RotationResult } from './options.js';
import type { PendingRotation } from './pending.js';
import { restartStep, warnAboutExports } from './restart.js';
import { stopped } from './stopped.js';
import { testStep } from './verify.js';

/**
 * The protocol of docs/rotation.md after the lock: pending → apply → test → write → finish → restart.
 * Every step can be re-run: a failure before the write leaves the values untouched and the pending file in
 * place, and the next run finishes the job.
 */
export async function runRotation(ctx: RotationContext): Promise<RotationResult> {
  const { key, store, names, steps } = ctx;
  const mode = ctx.plan.mode;
  const login = await readLogin(ctx);
  const previous = login.values[key];
  await preflight(ctx, login.target);

  // pending: the write-ahead record, before anything else changes.
  steps.start('pending', `reading ${store.pendingName}`);
  let pending: PendingRotation;
  let resumed = false;
  let generated = false;
  try {
    const existing = await store.readPending();
    if (existing) {
      checkResumable(ctx, existing, login.values);
      resumed = true;
      const now = via(ctx, login.target);
      pending = existing.apply === mode && JSON.stringify(existing.via) === JSON.stringify(now) ? existing : { ...existing, apply: mode, via: now };
      if (pending !== existing) await store.writePending(pending);
      steps.end('pending', 'already-done', `resuming the rotation started ${existing.created} (last step: ${existing.step}) from ${store.pendingName}`);
    } else {
      const next = nextSecretValue(ctx.schema, key, ctx.options.value);
      if (!next.generated && next.value === previous) {
        throw new EnvkitError('USAGE', `the new ${key} is the one ${store.name} already has`, { hint: 'give a different value, or let envkit generate one', reason: 'same-value' });
      }
      assertValidValues(ctx.schema, { [key]: next.value }, login.values);
      pending = { version: 1, key, value: next.value, created: new Date().toISOString(), apply: mode, step: 'created', via: via(ctx, login.target) };
      await store.writePending(pending);
      generated = next.generated;
      const sealed = store.kind === 'environment' ? 'encrypted to the environment\'s recipients' : 'mode 0600';
      steps.end('pending', 'done', `new value ${generated ? 'generated' : 'given'} and saved in ${store.pendingName} (${sealed}) before anything else changes`);
    }
  } catch (error) {
    steps.end('pending', 'failed', messageOf(error));
    throw error;
  }
  const value = pending.value;
  // Everything that holds the old or the new password; the URL after the write is added below.
  const urlOf = (values: Record<string, string>): string | undefined => (names.url === undefined ? undefined : values[names.url]);
  const secrets = [value, previous, urlOf(login.values)].filter(isPresent);

  steps.start('apply', mode === 'none' ? 'not changing the database' : `changing the password of role "${login.user}"`);
  let database: RotationResult['database'];
  try {
    database = await applyStep(ctx, login, previous, value, resumed, pending);
  } catch (error) {
    throw stopped(ctx, 'apply', error, secrets);
  }

  steps.start('test', mode === 'none' ? 'nothing to test' : 'checking the new password');
  try {
    if (mode === 'none') {
      steps.end('test', 'skipped', 'nothing was applied, nothing to test', 'apply-none');
    } else {
      const detail = await testStep(ctx, login, value);
      await advance(ctx, pending, 'tested');
      steps.end('test', detail.status, detail.text, detail.reason);
    }
  } catch (error) {
    throw stopped(ctx, 'test', error, secrets);
  }

  // write: the password and its derived URL in one atomic write.
  steps.start('write', `writing ${store.name}`);
  let edit: EditResult;
  // The values as written: the edit's own, kept in step with the document (derived values recomputed after it returns).
  let written: Record<string, string> = {};
  try {
    edit = await store.edit((doc, values): KeySummary[] => {
      written = values;
      assertValidValues(ctx.schema, { [key]: value }, values);
      const before = values[key];
      doc.set(key, value);
      values[key] = value;
      return [{ key, action: before === value ? 'kept' : generated ? 'generated' : 'given', secret: true }];
    });
  } catch (error) {
    throw stopped(ctx, 'write', error, secrets);
  }
  const changedKeys = edit.keys.filter((k) => k.action !== 'kept').map((k) => k.key);
  const how = store.kind === 'environment' ? 're-encrypted to its recipients, atomic write' : 'atomic write, mode 0600';
  steps.end(
    'write',
    edit.file.action === 'unchanged' ? 'already-done' : 'done',
    edit.file.action === 'unchanged' ? `${store.name} already has the new value` : `${changedKeys.join(' and ')} updated together in ${store.name} (${how})`,
  );

  // finish: the pending file goes only now that the store holds the new value.
  steps.start('finish', `removing ${store.pendingName}`);
  try {
    store.removePending();
  } catch (error) {
    steps.end('finish', 'failed', messageOf(error));
    throw error;
  }
  // A URL holds the password percent-encoded; the written URL too (it is only for redaction).
  secrets.push(...[value, previous].filter(isPresent).map(encodeURIComponent));
  // What the recreated app container must hold afterwards: the written URL (compared, never shown).
  const expected: Record<string, string> = {};
  const writtenUrl = urlOf(written);
  if (isPresent(writtenUrl)) {
    secrets.push(writtenUrl);
    expected[names.url!] = writtenUrl;
  }
  const kept = await keepInStore(ctx, previous);
  steps.end('finish', 'done', `removed ${store.pendingName}${kept}`);
  warnAboutExports(ctx);

  const restart = await restartStep(ctx, secrets, expected);
  return {
    key,
    apply: mode,
    dryRun: false,
    resumed,
    generated,
    database,
    steps: [...steps.steps],
    keys: edit.keys,
    file: edit.file,
    store: storeSummary(ctx),
    restart,
    keyring: ctx.keyring,
    warnings: [...ctx.warnings],
  };
}

/** Which store a result is about. */
export function storeSummary(ctx: RotationContext): RotationResult['store'] {
  const { kind, name, environment } = ctx.store;
  return { kind, name, ...(environment === undefined ? {} : { environment }) };
}
