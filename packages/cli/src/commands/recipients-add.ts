import { hostname, userInfo } from 'node:os';
import { addRecipient, ensureIdentity, syncEnvironmentGitignore } from 'envkit/age';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { identitiesFor, requireEnvironment } from '../age-options.js';
import { renderFiles } from '../render/summary.js';

/** `envkit recipients add --env NAME [age1…] [--name NAME]`: add (default: yourself) and re-encrypt. */
export async function run(ctx: Context, recipient: string | undefined, flags: FlagsOf<'recipients add'>): Promise<number> {
  const name = requireEnvironment(ctx, 'recipients add');
  // Without a recipient: the key given with --identity (a host's), else yours, created if needed as
  // `envkit identity` would.
  const identities = recipient === undefined && ctx.identityFiles.length === 0 ? [await ensureIdentity({ env: ctx.io.env })] : await identitiesFor(ctx);
  const own = recipient === undefined ? identities[0] : undefined;
  const result = await addRecipient({
    cwd: ctx.cwd,
    name,
    identities,
    recipient: recipient ?? (own?.recipient as string),
    label: flags.name ?? (own ? ownName(ctx) : undefined),
  });
  const gitignore = syncEnvironmentGitignore(ctx.cwd, [name]);
  if (ctx.json) {
    ctx.printJson({ ok: true, added: result.changed, recipient: result.entry, files: [...result.files, gitignore], recipients: result.recipients });
    return 0;
  }
  const who = result.entry.name ? ` (${result.entry.name})` : '';
  const resealed = result.files.length > 0 ? `; the environment is re-encrypted to the ${result.recipients.length} listed there` : '';
  ctx.out(result.changed ? `added ${result.entry.recipient}${who} to environment ${name}` : `${result.entry.recipient}${who} is already listed in .env.${name}.recipients${resealed}`);
  renderFiles(ctx, [...result.files, ...(gitignore.action === 'unchanged' ? [] : [gitignore])]);
  return 0;
}

/** A name for your own key: user@host, as ssh-keygen labels keys. */
function ownName(ctx: Context): string {
  const user = ctx.io.env.USER || ctx.io.env.LOGNAME || safeUser();
  return `${user}@${hostname()}`;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'me';
  }
}
