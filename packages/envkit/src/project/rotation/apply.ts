import { EnvkitError, isEnvkitError } from '../../errors.js';
import { runningServiceContainer } from '../../compose/containers.js';
import { applyPasswordViaCompose } from '../../database/apply-compose.js';
import { applyPasswordDirect, canLogin, probeDirect, type DirectTarget } from '../../database/apply-direct.js';
import { isPresent } from '../plan.js';
import { checkStoredPasswordViaCompose } from './compose.js';
import { advance, composeCommand, composeProjectOf, composeTarget, messageOf, timeout, type RotationContext } from './context.js';
import { COMPOSE_TIMEOUT_MS } from './defaults.js';
import type { Login } from './login.js';
import type { RotationResult } from './options.js';
import type { PendingRotation } from './pending.js';

/**
 * The apply step: change the role's password in the database (compose or direct), or leave it (`none`).
 * Only a resumed rotation can have reached the database already; then nothing is applied twice.
 */
export async function applyStep(
  ctx: RotationContext,
  login: Login,
  previous: string | undefined,
  value: string,
  resumed: boolean,
  pending: PendingRotation,
): Promise<RotationResult['database']> {
  const { steps } = ctx;
  const mode = ctx.plan.mode;
  if (mode === 'none') {
    steps.end('apply', 'skipped', `the database was NOT changed; set the new password of role "${login.user}" yourself`, 'apply-none');
    return 'unchanged';
  }
  if (mode === 'compose') return applyViaCompose(ctx, login, value, resumed, pending);
  const target = login.target!;
  const where = `${target.host}:${target.port}`;
  // Only a resumed rotation can have reached the database; a fresh one would just add a failed login to its log.
  const already = resumed ? await canLogin(target, value, timeout(ctx)) : undefined;
  if (already?.ok) {
    await advance(ctx, pending, 'applied');
    steps.end('apply', 'already-done', `the database at ${where} already accepts the new password`);
    return 'already-changed';
  }
  if (already && !already.ok && already.reason === 'unreachable') {
    throw new EnvkitError('DATABASE', `could not reach PostgreSQL at ${where}: ${already.message}`, {
      hint: 'check that the database is running, and its host and port (memu does not publish 5432 by default; applying through compose needs no port)',
      reason: 'unreachable',
    });
  }
  if (!isPresent(previous)) {
    throw new EnvkitError('DATABASE', `${ctx.key} is empty in ${ctx.store.name}: a direct connection logs in with the current password`, {
      hint: 'apply it through compose, which needs no password',
      reason: 'current-password-empty',
      data: { key: ctx.key, name: ctx.store.name },
    });
  }
  await applyPasswordDirect(target, previous, value, timeout(ctx));
  await advance(ctx, pending, 'applied');
  steps.end('apply', 'done', `logged in to ${where} as "${target.user}" with the current password, ALTER ROLE with a SCRAM-SHA-256 verifier`);
  return 'changed';
}

/**
 * The apply step through compose. When the stored verifier already matches the pending password, nothing
 * is applied twice. A user that cannot read it (not a superuser) gets the ALTER again, which is idempotent.
 */
async function applyViaCompose(ctx: RotationContext, login: Login, value: string, resumed: boolean, pending: PendingRotation): Promise<RotationResult['database']> {
  const { steps, config } = ctx;
  const timeoutMs = ctx.options.timeoutMs ?? COMPOSE_TIMEOUT_MS;
  const names = { service: config.service, user: login.user, database: login.database, role: login.user };
  const already = resumed ? await checkStoredPasswordViaCompose(composeTarget(ctx, timeoutMs), names, value) : undefined;
  if (already?.kind === 'match') {
    await advance(ctx, pending, 'applied');
    steps.end('apply', 'already-done', `the stored SCRAM verifier of role "${login.user}" already matches the new password (read through compose psql)`);
    return 'already-changed';
  }
  await applyPasswordViaCompose(
    { project: composeProjectOf(ctx, composeCommand(ctx)), service: config.service, user: login.user, database: login.database, env: config.env, timeoutMs },
    value,
  );
  await advance(ctx, pending, 'applied');
  steps.end(
    'apply',
    'done',
    `${already?.kind === 'unreadable' ? 're-applied (idempotent): ' : ''}ALTER ROLE "${login.user}" with a SCRAM-SHA-256 verifier on stdin of psql in the ${config.service} container (confirmed by psql)`,
  );
  return 'changed';
}

/**
 * Before a new rotation writes anything: in compose mode the database container must be running, so a
 * stopped stack is reported as such and leaves no pending file behind; in direct mode the server must
 * accept the connection's TLS and ask for SCRAM (probeDirect). (A resumed rotation goes on to its apply
 * step, which says the same.)
 */
export async function preflight(ctx: RotationContext, target: DirectTarget | undefined): Promise<void> {
  // A pending file means a resumed run (prepareRotation has read it already; runRotation reads it under the lock).
  if (ctx.plan.mode === 'none' || ctx.store.hasPending()) return;
  try {
    if (ctx.plan.mode === 'compose') {
      await runningServiceContainer(composeProjectOf(ctx, composeCommand(ctx)), ctx.config.service, { env: ctx.config.env, timeoutMs: ctx.options.timeoutMs ?? COMPOSE_TIMEOUT_MS });
    } else {
      // Direct: TLS as asked and a password method envkit may use, found out without sending a password.
      // Nothing reachable is left to the apply step, which leaves the pending file to resume from.
      await probeDirect(target!, timeout(ctx));
    }
  } catch (error) {
    const message = messageOf(error);
    ctx.steps.end('pending', 'failed', message);
    const hint = isEnvkitError(error) && error.hint ? `${error.hint}; ` : '';
    throw new EnvkitError(isEnvkitError(error) ? error.code : 'TOOL', `rotation of ${ctx.key} not started: ${message}`, {
      hint: `${hint}nothing was changed: ${ctx.store.name} and the database keep the current ${ctx.key}`,
      ...(isEnvkitError(error) && error.reason !== undefined ? { reason: error.reason } : {}),
      // What the hint says after the cause's own, for a front end that words the cause itself.
      data: { unchangedStore: ctx.store.name, unchangedKey: ctx.key },
      cause: error,
    });
  }
}
