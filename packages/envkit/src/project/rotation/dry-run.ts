import { detectComposeCommand } from '../../database/compose-command.js';
import { assertValidValues } from '../plan.js';
import { nextSecretValue } from '../edit.js';
import type { RotationContext } from './context.js';
import { checkResumable, readLogin } from './login.js';
import type { RotationResult } from './options.js';
import { storeSummary } from './protocol.js';
import { restartAdvice, restartNeed } from './restart.js';

/** The steps a run would take; reads the values and the pending file, changes nothing. */
export async function dryRunRotation(ctx: RotationContext): Promise<RotationResult> {
  const { key, store, steps } = ctx;
  const mode = ctx.plan.mode;
  const login = await readLogin(ctx);
  steps.end('lock', 'skipped', 'dry run: no lock taken, nothing written, the database not contacted');
  const existing = await store.readPending();
  let generated = false;
  if (existing) {
    checkResumable(ctx, existing, login.values);
    steps.end('pending', 'skipped', `would resume the rotation started ${existing.created} (last step: ${existing.step}) from ${store.pendingName}`);
  } else {
    const given = ctx.options.value;
    if (given !== undefined) assertValidValues(ctx.schema, { [key]: given }, login.values);
    else nextSecretValue(ctx.schema, key, undefined);
    generated = given === undefined;
    const sealed = store.kind === 'environment' ? 'encrypted to the environment\'s recipients' : 'mode 0600';
    steps.end('pending', 'skipped', `would ${generated ? 'generate a new value' : 'take the given value'} and save it in ${store.pendingName} (${sealed})`);
  }
  if (mode === 'none') {
    steps.end('apply', 'skipped', 'the database would NOT be changed', 'apply-none');
    steps.end('test', 'skipped', 'nothing to test', 'apply-none');
  } else if (mode === 'compose') {
    steps.end('apply', 'skipped', `would run psql -U ${login.user} -d ${login.database} in the running ${ctx.config.service} container with ALTER ROLE "${login.user}" and a SCRAM-SHA-256 verifier on stdin`);
    const tcp = login.target ? ` and log in at ${login.target.host}:${login.target.port}` : '';
    steps.end('test', 'skipped', `would compare the stored password of role "${login.user}" with the new one through psql in the container${tcp}`);
  } else {
    const where = `${login.target!.host}:${login.target!.port}`;
    steps.end('apply', 'skipped', `would log in to ${where} as "${login.user}" with the current password and run ALTER ROLE with a SCRAM-SHA-256 verifier`);
    steps.end('test', 'skipped', `would log in to ${where} with the new password and run SELECT 1`);
  }
  const url = ctx.names.url === undefined ? '' : ` and ${ctx.names.url}`;
  steps.end('write', 'skipped', `would write ${key}${url} together to ${store.name}`);
  const keyring = ctx.options.store && store.kind === 'file' ? ` and keep the value in the ${ctx.options.store.backend} keyring` : '';
  steps.end('finish', 'skipped', `would remove ${store.pendingName}${keyring}`);
  // With --restart, name the command that would run; detecting it is worth its cost then.
  const restart = restartAdvice(ctx, ctx.plan.compose ?? (ctx.options.restart ? detectComposeCommand({ env: ctx.config.env }) : undefined));
  const then = restart.command !== undefined && restart.loadsEnvFile !== false ? `then run \`${restart.command}\`` : `then: ${restartNeed(ctx, restart)}`;
  steps.end('restart', 'skipped', ctx.options.restart ? `would run \`${restart.command!}\`` : then);
  return {
    key,
    apply: mode,
    dryRun: true,
    resumed: existing !== undefined,
    generated,
    database: 'unchanged',
    steps: [...steps.steps],
    keys: [],
    file: { path: store.path, action: 'unchanged' },
    store: storeSummary(ctx),
    restart,
    keyring: { status: 'off' },
    warnings: [],
  };
}
