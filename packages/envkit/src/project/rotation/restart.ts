import { EnvkitError } from '../../errors.js';
import { shellLine } from '../../compose/project.js';
import { detectComposeCommand, type ComposeCommand } from '../../database/compose-command.js';
import { redactSecrets } from '../../database/redact.js';
import { restartArgv, restartService } from './compose.js';
import { composeProjectOf, composeTarget, messageOf, type RotationContext } from './context.js';
import { FALLBACK_COMPOSE, RESTART_TIMEOUT_MS } from './defaults.js';

/** The restart step; `secrets` (the old and new password and URL) are kept out of compose and its quoted output. */
export async function restartStep(ctx: RotationContext, secrets: readonly string[], expected: Readonly<Record<string, string>>): Promise<{ command: string; ran: boolean }> {
  const { steps, store } = ctx;
  const pendingDb = ctx.plan.mode === 'none' ? 'once the database has the new password, ' : '';
  if (!ctx.options.restart) {
    const command = restartLine(ctx, ctx.plan.compose);
    const reads =
      store.kind === 'environment'
        ? `deploy environment ${store.environment} again where the app reads it, then recreate the app container`
        : `recreate the app container so it reads the new ${store.name}`;
    steps.end('restart', 'skipped', `not run: ${pendingDb}${reads}: ${command}`);
    return { command, ran: false };
  }
  const compose = ctx.plan.compose ?? detectComposeCommand({ env: ctx.config.env });
  const command = restartLine(ctx, compose);
  steps.start('restart', `running ${command}`);
  try {
    if (!compose) throw new EnvkitError('TOOL', 'no compose command found (podman-compose, docker compose, docker-compose)', { reason: 'compose-not-found' });
    const drop = [ctx.key, ...(ctx.names.url === undefined ? [] : [ctx.names.url])];
    await restartService({ ...composeTarget(ctx, RESTART_TIMEOUT_MS), project: composeProjectOf(ctx, compose) }, ctx.config.appService, drop, secrets, expected);
    const confirmed = Object.keys(expected).length > 0 ? `; the new ${ctx.config.appService} container is running with the new ${Object.keys(expected).join(' and ')}` : '';
    steps.end('restart', 'done', `ran ${command}${confirmed}`);
    return { command, ran: true };
  } catch (error) {
    // restartService redacts; anything else is redacted here, as every step's message is.
    const message = redactSecrets(messageOf(error), secrets);
    steps.end('restart', 'failed', message);
    ctx.warnings.push({ reason: 'restart-failed', message, command });
    return { command, ran: false };
  }
}

/** The command that recreates the app: with `compose` when known, else with podman-compose (memu's). */
export function restartLine(ctx: RotationContext, compose: ComposeCommand | undefined): string {
  return shellLine(restartArgv(composeProjectOf(ctx, compose ?? FALLBACK_COMPOSE), ctx.config.appService));
}

/** Variables compose would take from the shell instead of the env file: a warning, with their names. */
export function warnAboutExports(ctx: RotationContext): void {
  const exported = [ctx.key, ...(ctx.names.url === undefined ? [] : [ctx.names.url])].filter((k) => ctx.config.env[k] !== undefined);
  if (exported.length > 0) ctx.warnings.push({ reason: 'exported', keys: exported, file: ctx.store.name });
}
