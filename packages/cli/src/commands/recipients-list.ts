import { listRecipients } from 'envkit/age';
import type { Context } from '../context.js';
import { requireEnvironment } from '../age-options.js';

/** `envkit recipients list --env NAME`: each recipient with its name; exit 1 when there is none. */
export async function run(ctx: Context): Promise<number> {
  const { paths, recipients } = listRecipients(ctx.cwd, requireEnvironment(ctx, 'recipients list'));
  if (ctx.json) {
    ctx.printJson({ ok: recipients.length > 0, file: paths.recipientsName, recipients });
    return recipients.length > 0 ? 0 : 1;
  }
  if (recipients.length === 0) {
    ctx.err(`envkit: ${paths.recipientsName} lists no recipient`);
    ctx.err(`  fix: envkit recipients add --env ${paths.name}`);
    return 1;
  }
  for (const r of recipients) ctx.io.stdout.write(`${r.recipient}${r.name ? `  ${ctx.style.dim(`# ${r.name}`)}` : ''}\n`);
  return 0;
}
