import type { EnvSchema } from '../../schema/define.js';
import type { ComposeCommand } from '../../database/compose-command.js';
import type { ComposeProject } from '../../compose/project.js';
import type { DirectTarget } from '../../database/apply-direct.js';
import type { KeyringCopy } from '../keyring/copy.js';
import type { ComposeTarget } from './compose.js';
import type { PendingRotation, PendingVia } from './pending.js';
import type { DatabaseKeys } from './keys.js';
import type { RotatePasswordOptions, RotationWarning } from './options.js';
import type { ApplyPlan } from './plan.js';
import type { StepLog } from './steps.js';
import type { AppEnvFiles } from './app-env.js';
import type { EnvStore } from './store.js';
import { FALLBACK_COMPOSE } from './defaults.js';

/** One rotation's state while it runs (held under the lock): what every step reads and reports to. */
export interface RotationContext {
  key: string;
  schema: EnvSchema;
  options: RotatePasswordOptions;
  /** Where the values and the pending file live. */
  store: EnvStore;
  names: DatabaseKeys;
  plan: ApplyPlan;
  steps: StepLog;
  config: { service: string; appService: string; env: NodeJS.ProcessEnv };
  /** Whether the app service loads the env file rotated, as the compose files say; `undefined`: they do not tell. */
  app: AppEnvFiles | undefined;
  warnings: RotationWarning[];
  keyring: KeyringCopy;
}

/** The compose project of this rotation, run with `compose`. */
export function composeProjectOf(ctx: RotationContext, compose: ComposeCommand): ComposeProject {
  return { compose, dir: ctx.store.dir, files: ctx.plan.files, ...(ctx.plan.projectName === undefined ? {} : { projectName: ctx.plan.projectName }) };
}

/** Where compose operations run, with the named compose command or memu's. */
export function composeTarget(ctx: RotationContext, timeoutMs: number): ComposeTarget {
  return { project: composeProjectOf(ctx, ctx.plan.compose ?? FALLBACK_COMPOSE), env: ctx.config.env, timeoutMs };
}

/** The compose command of compose mode (planApply refuses compose mode without one). */
export function composeCommand(ctx: RotationContext): ComposeCommand {
  return ctx.plan.compose!;
}

/** The caller's time limit of one database operation, when given. */
export function timeout(ctx: RotationContext): { timeoutMs?: number } {
  return ctx.options.timeoutMs === undefined ? {} : { timeoutMs: ctx.options.timeoutMs };
}

/**
 * What a resumed run needs to reach the same database and app again (never a password): with a direct
 * target, the TLS settings in force, wherever they came from.
 */
export function via(ctx: RotationContext, target: DirectTarget | undefined): PendingVia {
  const security = target?.security;
  const { plan, options, config } = ctx;
  return {
    ...(plan.compose === undefined ? {} : { compose: plan.compose.argv }),
    ...(plan.files.length === 0 ? {} : { files: plan.files }),
    ...(plan.projectName === undefined ? {} : { project: plan.projectName }),
    service: config.service,
    appService: config.appService,
    ...(options.dbHost === undefined ? {} : { dbHost: options.dbHost }),
    ...(options.dbPort === undefined ? {} : { dbPort: options.dbPort }),
    ...(security === undefined ? {} : { dbSslMode: security.sslmode }),
    ...(security?.sslrootcert === undefined ? {} : { dbSslRootCert: security.sslrootcert }),
    ...(security?.allowInsecureAuth ? { dbAllowInsecureAuth: true } : {}),
  };
}

/** Record progress in the pending file (informational; a resumed run checks for itself). */
export async function advance(ctx: RotationContext, pending: PendingRotation, step: PendingRotation['step']): Promise<void> {
  pending.step = step;
  await ctx.store.writePending(pending);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The environment a store is, as error data (so a caller can name the command that resumes the rotation). */
export function environmentOf(store: Pick<EnvStore, 'environment'>): { environment?: string } {
  return store.environment === undefined ? {} : { environment: store.environment };
}
