import { removeRecipient } from 'envkit/age';
import type { EnvSchema } from 'envkit';
import { databaseKeysFor } from 'envkit/rotate';
import type { Context } from '../context.js';
import { identitiesFor, requireEnvironment } from '../age-options.js';
import { renderFiles } from '../render/summary.js';
import { fixScope, inDir, scopeCommands, withoutIdentities, type FixScope } from '../render/fix-scope.js';

/**
 * `envkit recipients remove --env NAME <age1…|name>`: re-encrypt without the recipient and list every
 * secret it could read, with the command that rotates each: removing is not revoking.
 */
export async function run(ctx: Context, who: string): Promise<number> {
  const name = requireEnvironment(ctx, 'recipients remove');
  const [schema, identities] = await Promise.all([ctx.loadSchema(), identitiesFor(ctx)]);
  const result = await removeRecipient({ cwd: ctx.cwd, name, identities, who, schema });
  const scope = fixScope(ctx);
  const rotate = result.exposed.map((key) => ({ key, command: rotateCommand(schema, key, name, scope) }));
  if (ctx.json) {
    ctx.printJson({ ok: true, removed: result.entry, files: result.files, recipients: result.recipients, exposed: rotate });
    return 0;
  }
  const label = result.entry.name ? `${result.entry.recipient} (${result.entry.name})` : result.entry.recipient;
  ctx.out(`removed ${label} from environment ${name}; the environment is re-encrypted without it`);
  renderFiles(ctx, result.files);
  if (rotate.length > 0) {
    // Forced out even with --quiet: this is the part that keeps the secrets safe.
    ctx.out('', true);
    ctx.out(`${ctx.style.yellow('warning')}: the removed recipient could read ${rotate.length === 1 ? '1 secret and may have kept it' : `${rotate.length} secrets and may have kept them`} (an old copy of the file, git history).`, true);
    ctx.out(`Removal is not revocation: rotate ${rotate.length === 1 ? 'it' : 'each one'}${inDir(scope)}.`, true);
    for (const r of rotate) ctx.out(`  ${r.key.padEnd(20)} ${ctx.style.cyan(r.command)}`, true);
  }
  return 0;
}

/** The command that gives `key` a new value in the environment, as it must be typed (with the --schema and --identity given here). */
function rotateCommand(schema: EnvSchema, key: string, name: string, scope: FixScope): string {
  const spec = schema.vars[key];
  // --stdin asks for the new value on a terminal (input hidden) and reads it from a pipe otherwise.
  if (spec === undefined) return scopeCommands(`envkit set ${key} --stdin --allow-unknown --env ${name}`, scope);
  // The database password changes in the live database too: the rotation protocol runs on the host, with the
  // host's own identity (not a key file named here).
  if (databaseKeysFor(schema, key) !== undefined) return `on the host: ${scopeCommands(`envkit rotate ${key} --env ${name}`, withoutIdentities(scope))}`;
  if (spec.generate) return scopeCommands(`envkit rotate ${key} --env ${name}`, scope);
  return scopeCommands(`envkit rotate ${key} --stdin --env ${name}`, scope);
}
