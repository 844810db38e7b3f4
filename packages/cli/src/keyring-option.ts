import { EnvkitError, isEnvkitError, type EnvSchema } from 'envkit';
import { openOsStore, resolveProjectId, serviceName, type OsSecretStore } from 'envkit/keyring';
import type { Context } from './context.js';
import { fixScope, inDir, scopeCommands } from './render/fix-scope.js';
import { hintOf } from './render/reasons.js';

/**
 * How a command that writes secrets uses the OS keyring: `required` (`--keyring`: exit 3 when it is
 * unavailable), `auto` (the default: use it when available, else one warning line), `off` (`--no-keyring`:
 * the keyring is never asked, so a stuck bus costs nothing).
 */
export type KeyringMode = 'required' | 'auto' | 'off';

/** The mode of a `--keyring` / `--no-keyring` pair as commander parsed it (`undefined` when neither was given). */
export function keyringMode(flag: boolean | undefined): KeyringMode {
  return flag === true ? 'required' : flag === false ? 'off' : 'auto';
}

/** The keyring project id: `--project`, else `ENVKIT_PROJECT`, else the default of the project directory. */
export function projectIdFor(ctx: Context): string {
  return resolveProjectId({ cwd: ctx.cwd, envFile: ctx.envFile, projectId: ctx.projectId ?? ctx.io.env.ENVKIT_PROJECT });
}

/** The keyring entries of the project, for messages: `envkit:<id>`. */
export function serviceFor(ctx: Context): string {
  return serviceName(projectIdFor(ctx));
}

/** An opened keyring, or why there is none. */
export type OpenedKeyring =
  | { status: 'open'; store: OsSecretStore; projectId: string }
  | { status: 'unavailable'; error: EnvkitError; projectId: string }
  | { status: 'off'; projectId: string };

/**
 * Open the OS keyring for `mode`. `required` throws the KEYRING error (message and fix, exit 3); `auto`
 * returns it as `unavailable`; `off` opens nothing. The store sees the CLI's environment (the D-Bus address
 * above all); every call on it is bounded by openOsStore's time limits. Close an open store when done.
 */
export async function openKeyring(ctx: Context, mode: KeyringMode): Promise<OpenedKeyring> {
  // Resolved first: a bad --project is a usage error whatever the keyring's state.
  const projectId = projectIdFor(ctx);
  if (mode === 'off') return { status: 'off', projectId };
  try {
    const store = await openOsStore({ env: ctx.io.env });
    return { status: 'open', store, projectId };
  } catch (error) {
    if (mode === 'required' || !isEnvkitError(error, 'KEYRING')) throw error;
    return { status: 'unavailable', error, projectId };
  }
}

/**
 * The keyring for an edit of `keys` (set, unset): opened as {@link openKeyring} does when a secret of the
 * schema is among them or is derived from one of them, else not at all (`undefined`): most edits touch no
 * secret and need not wait for D-Bus.
 */
export async function openKeyringFor(ctx: Context, mode: KeyringMode, schema: EnvSchema, keys: readonly string[]): Promise<OpenedKeyring | undefined> {
  const touched = Object.entries(schema.vars).some(([key, spec]) => spec.secret && (keys.includes(key) || spec.derive?.from.some((from) => keys.includes(from))));
  return touched ? openKeyring(ctx, mode) : undefined;
}

/** Run `fn` with the OS keyring, which must be available (backup, restore, forget); closes it afterwards. */
export async function withKeyring<T>(ctx: Context, fn: (store: OsSecretStore, projectId: string) => Promise<T>): Promise<T> {
  let opened;
  try {
    opened = await openKeyring(ctx, 'required');
  } catch (error) {
    throw isEnvkitError(error) ? keyringNeeded(error) : error;
  }
  if (opened.status !== 'open') throw new EnvkitError('KEYRING', 'OS keyring unavailable');
  try {
    return await fn(opened.store, opened.projectId);
  } catch (error) {
    throw isEnvkitError(error) ? keyringNeeded(error) : error;
  } finally {
    await opened.store.close();
  }
}

/**
 * An unusable keyring's error for a command that works on the keyring itself (backup, restore, keyring status
 * and forget): its fix is the repair alone. These commands have no --no-keyring: there is no doing without it.
 * Any other error as it is.
 */
export function keyringNeeded(error: EnvkitError): EnvkitError {
  if (error.reason !== 'keyring-unusable') return error;
  return new EnvkitError(error.code, error.message, { hint: String(error.data.repair), reason: 'keyring-needed', data: error.data, cause: error.cause, issues: error.issues });
}

/**
 * The `--json` keyring section of a failure: its status, message and fix, and the keys it had stored or removed
 * before it failed, and those it could not remove (as the library's error data has them).
 */
export function keyringFailureJson(status: 'failed' | 'unavailable', error: EnvkitError): Record<string, unknown> {
  const partial = ['storedBefore', 'removedBefore', 'notRemoved'].filter((name) => Array.isArray(error.data[name])).map((name) => [name, error.data[name]]);
  return { status, message: error.message, hint: hintOf(error), ...Object.fromEntries(partial) };
}

/** True when the keyring failed after storing some of the secrets (its message names them). */
function storedSome(error: EnvkitError): boolean {
  return Array.isArray(error.data.storedBefore) && error.data.storedBefore.length > 0;
}

/** The one warning line of `auto` mode: what is wrong, that the secrets (or the others) are only in the env file, the fix. */
export function keyringWarning(ctx: Context, error: EnvkitError): string {
  return `${ctx.style.yellow('warning')}: ${error.message}; ${storedSome(error) ? 'the other secrets are' : 'the secrets are'} only in ${ctx.envFile} (fix: ${hintOf(error) ?? 'see `envkit keyring status`'})`;
}

/**
 * After a keyring failure that left the env file written: what was not copied, and how to copy it later. Secrets
 * that left the file but not the keyring (set to empty, unset) need `keyring forget`: a backup leaves them there.
 */
export function copyMissed(ctx: Context, error: EnvkitError): string {
  // The project id comes from the directory and the env file: the commands name both as this run had them.
  const scope = fixScope(ctx);
  const where = inDir(scope);
  const held = Array.isArray(error.data.notRemoved) ? error.data.notRemoved.map(String) : [];
  const text =
    held.length > 0
      ? `${ctx.envFile} was written, the keyring still holds ${held.join(' and ')}: run \`envkit keyring forget ${held.join(' ')} --yes\` and \`envkit backup\`${where} once the keyring works`
      : `${ctx.envFile} was written, the keyring copy${storedSome(error) ? ' of the other secrets' : ''} was not: run \`envkit backup\`${where} once the keyring works`;
  return scopeCommands(text, scope);
}
