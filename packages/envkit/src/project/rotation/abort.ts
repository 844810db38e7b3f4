import { EnvkitError } from '../../errors.js';
import { canLogin } from '../../database/apply-direct.js';
import { checkStoredPasswordViaCompose } from './compose.js';
import { composeTarget, environmentOf, timeout, type RotationContext } from './context.js';
import { COMPOSE_TIMEOUT_MS } from './defaults.js';
import { readLogin } from './login.js';
import type { AbortResult } from './options.js';

/**
 * Abandon a pending rotation that has not reached the database (abortRotation), under the lock: prove the
 * database does not accept the pending password, then remove the pending file.
 */
export async function abortPending(ctx: RotationContext): Promise<AbortResult> {
  const { key, store } = ctx;
  const pending = await store.readPending();
  if (pending === undefined) return { key, status: 'none' };
  if (pending.key !== key) {
    throw new EnvkitError('ROTATION', `the pending rotation in ${store.pendingName} is of ${pending.key}, not ${key}`, {
      hint: 'abort or finish that rotation',
      path: store.pending,
      reason: 'abort-other-key',
      data: { key, pendingKey: pending.key, ...environmentOf(store) },
    });
  }
  const login = await readLogin(ctx);
  const forward = (why: string, reason: string): EnvkitError =>
    new EnvkitError('REFUSED', `the rotation of ${key} started ${pending.created} cannot be abandoned: ${why}`, {
      hint: 'finish it instead (it resumes where it stopped)',
      reason,
      path: store.pending,
      data: { key, ...environmentOf(store) },
    });
  if (login.values[key] === pending.value) throw forward(`${store.name} already has the new password`, 'already-applied');
  let proof: string;
  if (ctx.plan.mode === 'none') {
    proof = 'apply mode none: envkit never changed the database';
  } else if (ctx.plan.mode === 'compose') {
    const names = { service: ctx.config.service, user: login.user, database: login.database, role: login.user };
    const stored = await checkStoredPasswordViaCompose(composeTarget(ctx, ctx.options.timeoutMs ?? COMPOSE_TIMEOUT_MS), names, pending.value);
    if (stored.kind === 'match' || (stored.kind === 'mismatch' && stored.stored)) throw forward('the database already has the new password', 'already-applied');
    if (stored.kind === 'unreadable') throw forward(`envkit cannot tell whether the database has it (${stored.reason})`, 'unknown');
    proof = `the stored password of role "${login.user}" is not the new one`;
  } else {
    const target = login.target!;
    const result = await canLogin(target, pending.value, timeout(ctx));
    if (result.ok) throw forward('the database already accepts the new password', 'already-applied');
    if (result.reason !== 'auth') throw forward(`envkit cannot tell whether the database has it (${result.message})`, 'unknown');
    proof = `${target.host}:${target.port} refuses the new password`;
  }
  store.removePending();
  return { key, status: 'aborted', started: pending.created, proof };
}
