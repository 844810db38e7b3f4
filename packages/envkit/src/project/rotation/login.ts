import { EnvkitError } from '../../errors.js';
import { targetFromUrl, type DirectTarget } from '../../database/apply-direct.js';
import { resolveConnectionSecurity } from '../../database/tls.js';
import { assertValidValues, isPresent } from '../plan.js';
import { environmentOf, type RotationContext } from './context.js';
import type { PendingRotation } from './pending.js';

/** The env file's login values and, where a direct connection is wanted, its target. */
export interface Login {
  values: Record<string, string>;
  user: string;
  database: string;
  target: DirectTarget | undefined;
}

/** Read the login the rotation works with from the store (the env file or the environment). */
export async function readLogin(ctx: RotationContext): Promise<Login> {
  const { store, names } = ctx;
  const { text, doc } = await store.read();
  if (text === undefined) {
    throw new EnvkitError('FILE', `${store.name} does not exist`, {
      path: store.path,
      reason: 'env-missing',
      data: { store: store.kind, ...environmentOf(store) },
    });
  }
  const values = doc.toObject();
  const missing = [names.user, names.database].filter((k) => !isPresent(values[k]));
  if (missing.length > 0) {
    throw new EnvkitError('VALIDATION', `${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} empty in ${store.name}: envkit needs the database login to rotate ${ctx.key}`, {
      issues: missing.map((k) => ({ key: k, message: `${k} is empty` })),
      hint: `set ${missing.join(' and ')}`,
      reason: 'login-incomplete',
      data: { keys: missing, ...environmentOf(store) },
    });
  }
  const user = values[names.user]!;
  const database = values[names.database]!;
  return { values, user, database, target: directTarget(ctx, values, user, database) };
}

/** Where a direct connection goes: the URL's host and port, or the ones given; `undefined` when none is wanted. */
function directTarget(ctx: RotationContext, values: Record<string, string>, user: string, database: string): DirectTarget | undefined {
  const { options, names } = ctx;
  if (ctx.plan.mode !== 'direct' && options.dbHost === undefined) return undefined;
  const url = names.url === undefined ? undefined : values[names.url];
  const overrides = {
    ...(options.dbHost === undefined ? {} : { host: options.dbHost }),
    ...(options.dbPort === undefined ? {} : { port: options.dbPort }),
  };
  // TLS as given, else as the URL's query says, else PGSSLMODE/PGSSLROOTCERT; a relative CA file from the project.
  const given = options.dbSecurity;
  const context = { env: ctx.config.env, cwd: ctx.store.dir, ...(given === undefined ? {} : { security: given }) };
  if (isPresent(url)) return { ...targetFromUrl(url, { ...overrides, ...context }), user, database };
  if (overrides.host !== undefined) {
    const security = resolveConnectionSecurity({ env: context.env, cwd: context.cwd, ...(given === undefined ? {} : { given }) });
    return { host: overrides.host, port: overrides.port ?? 5432, user, database, security };
  }
  throw new EnvkitError('USAGE', `apply mode direct: no database URL in ${ctx.store.name} to take the host from`, {
    hint: 'give the database host (and port)',
    reason: 'direct-host-unknown',
    data: { name: ctx.store.name },
  });
}

/** A pending file may be resumed only for the same key and value, and only with a value the schema accepts. */
export function checkResumable(ctx: RotationContext, existing: PendingRotation, values: Record<string, string>): void {
  const { key, store } = ctx;
  if (existing.key !== key) {
    throw new EnvkitError('ROTATION', `a rotation of ${existing.key} (started ${existing.created}) is pending in ${store.pendingName}`, {
      hint: `finish that rotation first (it resumes where it stopped); then rotate ${key}`,
      path: store.pending,
      reason: 'other-key-pending',
      data: { key, pendingKey: existing.key, ...environmentOf(store) },
    });
  }
  if (ctx.options.value !== undefined && ctx.options.value !== existing.value) {
    throw new EnvkitError('ROTATION', `a rotation of ${key} with another value (started ${existing.created}) is pending in ${store.pendingName}`, {
      hint: 'finish that rotation first, without a new value; then rotate again with yours',
      path: store.pending,
      reason: 'other-value-pending',
      data: { key, ...environmentOf(store) },
    });
  }
  assertValidValues(ctx.schema, { [key]: existing.value }, values);
}
