import { EnvkitError } from '../../errors.js';
import { canLogin } from '../../database/apply-direct.js';
import type { RotationStepReason, RotationStepStatus } from './steps.js';
import { checkStoredPasswordViaCompose } from './compose.js';
import { composeTarget, timeout, type RotationContext } from './context.js';
import { COMPOSE_TIMEOUT_MS } from './defaults.js';
import type { Login } from './login.js';

/** The test step: what proves the database accepts the new password on this path. */
export async function testStep(ctx: RotationContext, login: Login, value: string): Promise<{ status: RotationStepStatus; text: string; reason?: RotationStepReason }> {
  const tcpLogin = async (): Promise<string> => {
    const target = login.target!;
    const result = await canLogin(target, value, timeout(ctx));
    if (!result.ok) {
      throw new EnvkitError('ROTATION', `logging in to ${target.host}:${target.port} as "${target.user}" with the new password failed: ${result.message}`, {
        hint:
          result.reason === 'unreachable'
            ? 'check that the database is running, and its host and port'
            : 'the database did not take the new password; check the role and pg_hba.conf',
        reason: result.reason === 'unreachable' ? 'test-unreachable' : 'login-refused',
      });
    }
    return `logged in to ${target.host}:${target.port} as "${target.user}" with the new password and ran SELECT 1`;
  };
  if (ctx.plan.mode === 'direct') return { status: 'done', text: await tcpLogin() };

  const stored = await checkStoredPasswordViaCompose(
    composeTarget(ctx, ctx.options.timeoutMs ?? COMPOSE_TIMEOUT_MS),
    { service: ctx.config.service, user: login.user, database: login.database, role: login.user },
    value,
  );
  if (stored.kind === 'mismatch') {
    throw new EnvkitError('ROTATION', `the database does not have the new password: ${stored.reason}`, {
      hint: `check role "${login.user}" in the ${ctx.config.service} container`,
      reason: 'verifier-mismatch',
    });
  }
  const tcp = login.target ? `; ${await tcpLogin()}` : '';
  if (stored.kind === 'match') {
    return { status: 'done', text: `the stored SCRAM verifier of role "${login.user}" matches the new password (read through compose psql; no password sent)${tcp}` };
  }
  if (tcp !== '') return { status: 'done', text: tcp.slice(2) };
  return {
    status: 'skipped',
    text: `not proven: ${stored.reason}, and a login through compose psql would prove nothing (its socket is trusted)`,
    reason: 'not-proven',
  };
}
