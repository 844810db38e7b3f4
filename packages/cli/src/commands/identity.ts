import { ensureIdentity, type IdentitySource } from 'envkit/age';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { keyringMode } from '../keyring-option.js';

/** `envkit identity`: print your public recipient (age1…), creating your X25519 identity when there is none. */
export async function run(ctx: Context, flags: FlagsOf<'identity'>): Promise<number> {
  const result = await ensureIdentity({ keyring: keyringMode(flags.keyring), env: ctx.io.env });
  const where = describeSource(result.source);
  if (ctx.json) {
    ctx.printJson({ ok: true, recipient: result.recipient, created: result.created, source: result.source, ...(result.copiedFrom === undefined ? {} : { copiedFrom: result.copiedFrom }) });
    return 0;
  }
  // The recipient alone on stdout, so `envkit identity` can be piped or captured; the rest on stderr.
  ctx.io.stdout.write(`${result.recipient}\n`);
  if (!ctx.quiet) {
    if (result.copiedFrom !== undefined) ctx.err(`your age identity, copied from ${describeSource(result.copiedFrom)} into ${where}: envkit reads the file first from now on`);
    else ctx.err(`${result.created ? 'created a new age X25519 identity' : 'your age identity'}, kept in ${where}`);
    ctx.err('  give the recipient above to whoever manages an environment: `envkit recipients add --env NAME age1…`');
  }
  return 0;
}

/** Where an identity is kept, for messages. */
export function describeSource(source: IdentitySource): string {
  return source.kind === 'keyring' ? `the OS keyring (${source.backend}, service envkit:identity)` : `${source.path} (mode 0600)`;
}
