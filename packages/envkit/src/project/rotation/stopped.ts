import { EnvkitError, isEnvkitError, type ErrorCode } from '../../errors.js';
import { redactSecrets } from '../../database/redact.js';
import { environmentOf, messageOf, type RotationContext } from './context.js';
import type { RotationStepName } from './steps.js';

/**
 * The error of a step that stopped the rotation: the step named, the original code kept (DATABASE,
 * TOOL, …), and the way on. Nothing secret: messages of unexpected errors are redacted too.
 */
export function stopped(ctx: RotationContext, name: RotationStepName, error: unknown, secrets: readonly string[]): EnvkitError {
  const { key, store } = ctx;
  const message = redactSecrets(messageOf(error), secrets);
  ctx.steps.end(name, 'failed', message);
  const code: ErrorCode = isEnvkitError(error) ? error.code : 'ROTATION';
  const original = isEnvkitError(error) && error.hint ? `${error.hint}. ` : '';
  const again = 'run the rotation again to finish it: it resumes from there';
  const state =
    name === 'write'
      ? ctx.plan.mode === 'none'
        ? `${store.name} still has the old ${key} and the new one is kept in ${store.pendingName}`
        : `the database may already have the new ${key} while ${store.name} still has the old one; the new one is kept in ${store.pendingName}`
      : `${store.name} is unchanged and the new ${key} is kept in ${store.pendingName}`;
  return new EnvkitError(code, `rotation of ${key} stopped at step "${name}": ${message}`, {
    hint: `${original}${state}; ${again}`,
    issues: isEnvkitError(error) ? error.issues : [],
    ...(isEnvkitError(error) && error.path !== undefined ? { path: error.path } : {}),
    // The caller words it: the step, the state left behind, the cause (`cause`, when an EnvkitError).
    reason: 'stopped',
    data: { key, step: name, state, ...environmentOf(store) },
    // Only an EnvkitError is known to hold nothing secret.
    ...(isEnvkitError(error) ? { cause: error } : {}),
  });
}
