import { EnvkitError } from '../../errors.js';
import { shellLine } from '../../compose/project.js';
import { detectComposeCommand, type ComposeCommand } from '../../database/compose-command.js';
import { redactSecrets } from '../../database/redact.js';
import { restartArgv, restartService } from './compose.js';
import { composeProjectOf, composeTarget, messageOf, type RotationContext } from './context.js';
import { FALLBACK_COMPOSE, RESTART_TIMEOUT_MS } from './defaults.js';
import type { RotationRestart } from './options.js';

/** The restart step; `secrets` (the old and new password and URL) are kept out of compose and its quoted output. */
export async function restartStep(ctx: RotationContext, secrets: readonly string[], expected: Readonly<Record<string, string>>): Promise<RotationRestart> {
  const { steps } = ctx;
  const pendingDb = ctx.plan.mode === 'none' ? 'once the database has the new password, ' : '';
  if (!ctx.options.restart) {
    const restart = restartAdvice(ctx, ctx.plan.compose);
    steps.end('restart', 'skipped', `not run: ${pendingDb}${restartNeed(ctx, restart)}`);
    return restart;
  }
  // rotatePassword refuses a restart without a compose file.
  const compose = ctx.plan.compose ?? detectComposeCommand({ env: ctx.config.env });
  const command = restartLine(ctx, compose)!;
  steps.start('restart', `running ${command}`);
  try {
    if (!compose) throw new EnvkitError('TOOL', 'no compose command found (podman-compose, docker compose, docker-compose)', { reason: 'compose-not-found' });
    const drop = [ctx.key, ...(ctx.names.url === undefined ? [] : [ctx.names.url])];
    await restartService({ ...composeTarget(ctx, RESTART_TIMEOUT_MS), project: composeProjectOf(ctx, compose) }, ctx.config.appService, drop, secrets, expected);
    const confirmed = Object.keys(expected).length > 0 ? `; the new ${ctx.config.appService} container is running with the new ${Object.keys(expected).join(' and ')}` : '';
    steps.end('restart', 'done', `ran ${command}${confirmed}`);
    return { ...restartAdvice(ctx, compose), ran: true };
  } catch (error) {
    // restartService redacts; anything else is redacted here, as every step's message is.
    const message = redactSecrets(messageOf(error), secrets);
    steps.end('restart', 'failed', message);
    ctx.warnings.push({ reason: 'restart-failed', message, command });
    return { ...restartAdvice(ctx, compose), ran: false };
  }
}

/** The restart not run: its command (none without a compose file) and what the compose file says the app reads. */
export function restartAdvice(ctx: RotationContext, compose: ComposeCommand | undefined): RotationRestart {
  const command = restartLine(ctx, compose);
  const app = ctx.app;
  return {
    ...(command === undefined ? {} : { command }),
    ran: false,
    ...(app === undefined ? {} : { loadsEnvFile: app.loads }),
    ...(app === undefined || app.loads ? {} : { envFiles: app.envFiles }),
  };
}

/** What the app needs after the rotation, as the restart step says it: only what the compose file shows is claimed. */
export function restartNeed(ctx: RotationContext, restart: RotationRestart): string {
  const { store } = ctx;
  const app = ctx.config.appService;
  if (store.kind === 'environment') {
    const then = restart.command === undefined ? 'then restart the app' : `then recreate the app container: ${restart.command}`;
    return `deploy environment ${store.environment} again where the app reads it, ${then}`;
  }
  if (restart.command === undefined) return `the app must be restarted with the new ${store.name} (no compose file here: restart it the way it runs)`;
  if (restart.loadsEnvFile === false) {
    const loads = restart.envFiles!.length === 0 ? 'has no env_file' : `loads ${restart.envFiles!.join(', ')} (env_file)`;
    return `the app must be restarted with the new ${store.name}, but service ${app} of the compose file ${loads}, not ${store.name}: recreating it does not give it the new values`;
  }
  const reads = restart.loadsEnvFile === true ? ` so it reads the new ${store.name}` : '';
  return `recreate the app container${reads}: ${restart.command}`;
}

/** The command that recreates the app: with `compose` when known, else with podman-compose (memu's); none without a compose file. */
export function restartLine(ctx: RotationContext, compose: ComposeCommand | undefined): string | undefined {
  if (ctx.plan.composePaths.length === 0) return undefined;
  return shellLine(restartArgv(composeProjectOf(ctx, compose ?? FALLBACK_COMPOSE), ctx.config.appService));
}

/** Variables compose would take from the shell instead of the env file: a warning, with their names. */
export function warnAboutExports(ctx: RotationContext): void {
  const exported = [ctx.key, ...(ctx.names.url === undefined ? [] : [ctx.names.url])].filter((k) => ctx.config.env[k] !== undefined);
  if (exported.length > 0) ctx.warnings.push({ reason: 'exported', keys: exported, file: ctx.store.name });
}
