import { basename } from 'node:path';
import { EnvkitError, isEnvkitError } from '../../errors.js';
import { withLockAsync } from '../../files/lock.js';
import { checkServiceName } from '../../database/apply-compose.js';
import { projectPaths } from '../context.js';
import { abortPending } from './abort.js';
import type { RotationContext } from './context.js';
import { DEFAULT_APP_SERVICE, DEFAULT_SERVICE } from './defaults.js';
import { dryRunRotation } from './dry-run.js';
import { databaseKeysFor } from './keys.js';
import type { AbortResult, RotatePasswordOptions, RotationResult } from './options.js';
import { planApply, readComposeFiles, withPendingSettings } from './plan.js';
import { appEnvFiles } from './app-env.js';
import { runRotation } from './protocol.js';
import { StepLog } from './steps.js';
import { envFileStore } from './store.js';

/**
 * Rotate a database password in the live database and `.env` (or an encrypted environment) together,
 * following docs/rotation.md: **lock** → write the new value to the **pending** file before anything else,
 * or resume the pending rotation an interrupted run left → **apply** it to the database (psql in the
 * container with a SCRAM verifier on stdin, or a direct connection with the current password) → **test**
 * it → **write** the values (the password and its derived URL in one atomic write) → **finish** (remove
 * the pending file, keep the value in `store`) → **restart** the app container (or return the command).
 *
 * Every step can be re-run: a failure before the write leaves the values untouched and the pending file
 * in place, and the next call finishes the job. At no time are both the old and the new password
 * unknown: until the write it is in the values, and the new one in the pending file.
 *
 * @throws EnvkitError `BUSY` (another rotation), `USAGE` (no apply mode can be chosen, bad options),
 *   `DATABASE`/`TOOL` (apply failed: the message names the step), `ROTATION` (the new password did not
 *   pass the test, or a pending file for another key or value), `FILE`/`PARSE`/`VALIDATION` (the env
 *   file), `CRYPTO` (an encrypted environment that cannot be opened or written). Each with a `reason`.
 * @example
 * const result = await rotatePassword({ cwd: '/srv/memu', schema: memuSchema, key: 'POSTGRES_PASSWORD' });
 * console.log(result.restart.command); // podman-compose up -d --force-recreate memu (absent without a compose file)
 */
export async function rotatePassword(given: RotatePasswordOptions): Promise<RotationResult> {
  const ctx = await prepareRotation(given);
  if (ctx.options.dryRun) return dryRunRotation(ctx);

  const lock = ctx.store.lock;
  let locked = false;
  ctx.steps.start('lock', `taking ${basename(lock)}`);
  try {
    return await withLockAsync(lock, 'rotate', async () => {
      locked = true;
      ctx.steps.end('lock', 'done', `holding ${basename(lock)}: one rotation at a time`);
      return runRotation(ctx);
    });
  } catch (error) {
    if (!locked) ctx.steps.end('lock', 'failed', isEnvkitError(error) ? error.message : 'could not take the lock');
    throw error;
  }
}

/**
 * Abandon a pending rotation that has not reached the database: prove the database does not accept the
 * pending password (its stored verifier through the container, or a login with it), then remove the
 * pending file. The values keep the password the database has. Once the database (or the values) have the
 * new password the only way is forward, and this refuses (`REFUSED`, `reason` `already-applied`); when it
 * cannot tell, it refuses too (`reason` `unknown`). Settings not given are taken from the pending file, as
 * for a resumed rotation.
 */
export async function abortRotation(given: RotatePasswordOptions): Promise<AbortResult> {
  const ctx = await prepareRotation({ ...given, dryRun: false, restart: false });
  return withLockAsync(ctx.store.lock, 'rotate --abort', () => abortPending(ctx));
}

/** Options checked, pending settings filled in, apply planned: a rotation ready to run. */
async function prepareRotation(given: RotatePasswordOptions): Promise<RotationContext> {
  const store = given.envStore ?? envFileStore(projectPaths(given), given.schema);
  // A pending rotation recorded how it reaches the database: `envkit rotate KEY` alone resumes it there.
  const options = withPendingSettings(given, await store.readPending());
  const { schema, key } = options;
  const names = databaseKeysFor(schema, key, options.databaseKeys);
  if (!names) {
    throw new EnvkitError('USAGE', `${key} is not the database password of the ${schema.name} schema`, {
      hint: 'rotate it in the env file only (rotateSecret)',
      reason: 'not-database-password',
      data: { key },
    });
  }
  if (options.apply === 'none' && options.restart) {
    throw new EnvkitError('USAGE', `apply mode none and a restart cannot be combined: the app would be recreated with a new ${key} the database does not have`, {
      hint: 'with apply mode none, change the password in the database yourself and then recreate the app; or let envkit change it: apply mode compose or direct',
      reason: 'restart-without-apply',
      data: { key },
    });
  }
  if (store.kind === 'environment' && options.restart) {
    throw new EnvkitError('USAGE', `a restart cannot recreate the app from environment ${store.environment}: the app reads it as it is deployed (its env file, or a process started with it)`, {
      hint: `rotate without a restart, deploy environment ${store.environment} again where the app runs, then recreate the app container`,
      reason: 'restart-environment',
      data: { environment: store.environment! },
    });
  }
  const service = options.service ?? schema.profile?.database?.service ?? DEFAULT_SERVICE;
  const appService = options.appService ?? schema.profile?.app?.service ?? DEFAULT_APP_SERVICE;
  checkName(service, 'service');
  checkName(appService, 'appService');
  if (options.composeProject !== undefined) checkName(options.composeProject, 'composeProject');
  if (options.dbHost === '') throw new EnvkitError('USAGE', 'the database host must not be empty', { reason: 'db-host-empty' });
  if (options.dbPort !== undefined && (!Number.isInteger(options.dbPort) || options.dbPort < 1 || options.dbPort > 65535)) {
    throw new EnvkitError('USAGE', 'the database port must be an integer from 1 to 65535', { reason: 'db-port-invalid' });
  }
  const env = options.env ?? process.env;
  const plan = await planApply(options, store.dir, store.name, service, env);
  if (options.restart && plan.composePaths.length === 0) {
    throw new EnvkitError('USAGE', `a restart recreates the app with compose, and there is no compose file in ${store.dir}`, {
      hint: 'rotate without a restart and restart the app the way it runs; or give the compose file (composeFiles)',
      reason: 'restart-no-compose-file',
      data: { dir: store.dir },
    });
  }
  // An encrypted environment reaches the app as it is deployed: what it is deployed as is not known here.
  // The compose files as planApply read them (compose mode), else read now.
  const app = store.kind === 'file' && plan.composePaths.length > 0 ? appEnvFiles(plan.composeFiles ?? (await readComposeFiles(plan.composePaths)), appService, store.path, plan.compose) : undefined;
  // Recreated from env files that are not the one rotated, the app would come back with the old password: found
  // after the database had the new one (restart-unconfirmed). Refused now, before anything changes.
  if (options.restart && app?.loads === false) {
    // An app service with no env_file at all is recreated from none: said as such, not as "from , not from …".
    const from = app.envFiles.length === 0 ? 'with no env_file' : `from ${app.envFiles.join(', ')}`;
    throw new EnvkitError('USAGE', `a restart would recreate ${appService} ${from}, not from ${store.name}`, {
      hint: `make ${appService} load ${store.name} (env_file), or rotate without a restart and restart the app with the new ${store.name} the way it runs`,
      reason: 'restart-env-not-loaded',
      data: { appService, envName: store.name, envFiles: app.envFiles },
    });
  }
  return {
    key,
    schema,
    options,
    store,
    names,
    plan,
    steps: new StepLog(options.onStep),
    config: { service, appService, env },
    app,
    warnings: [],
    keyring: { status: 'off' },
  };
}

/** A compose service or project name, checked before anything runs; `option` names the option it came from. */
function checkName(name: string, option: 'service' | 'appService' | 'composeProject'): void {
  const label = { service: 'the database service', appService: 'the app service', composeProject: 'the compose project' }[option];
  try {
    checkServiceName(name, label);
  } catch (error) {
    if (!isEnvkitError(error)) throw error;
    throw new EnvkitError(error.code, error.message, { hint: error.hint, reason: 'name-invalid', data: { option, name } });
  }
}
