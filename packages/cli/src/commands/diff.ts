import { assertParsed, EnvkitError, parseDocument, readTextFile, type EnvDocument } from 'envkit';
import { diffDocuments, openEnvironment, type KeyDiff } from 'envkit/age';
import { resolve } from 'node:path';
import type { Context } from '../context.js';
import { identitiesFor } from '../age-options.js';

/**
 * `envkit diff A B`: two environments (names) or .env files (paths: containing `/` or starting with `.`)
 * compared by keys and value fingerprints, never values. Exit 0 when they hold the same values, 1 otherwise.
 */
export async function run(ctx: Context, left: string, right: string): Promise<number> {
  const identities = isPath(left) && isPath(right) ? [] : (await identitiesFor(ctx)).map((i) => i.identity);
  const [a, b] = await Promise.all([open(ctx, left, identities), open(ctx, right, identities)]);
  const diff = diffDocuments(a, b);
  const same = diff.every((d) => d.status === 'same');
  if (ctx.json) {
    ctx.printJson({ ok: true, same, left, right, keys: diff });
    return same ? 0 : 1;
  }
  const width = Math.max(3, ...diff.map((d) => d.key.length));
  for (const d of diff) {
    if (ctx.quiet && d.status === 'same') continue;
    ctx.io.stdout.write(`${statusMark(ctx, d)} ${d.key.padEnd(width)}  ${describe(d, left, right)}\n`);
  }
  ctx.err(ctx.style.dim('fingerprints are keyed hashes drawn for this run only: equal values show equal fingerprints, nothing more'));
  return same ? 0 : 1;
}

function isPath(arg: string): boolean {
  return arg.includes('/') || arg.startsWith('.');
}

async function open(ctx: Context, arg: string, identities: string[]): Promise<EnvDocument> {
  if (!isPath(arg)) return (await openEnvironment(ctx.cwd, arg, identities)).doc;
  const text = readTextFile(resolve(ctx.cwd, arg));
  if (text === undefined) throw new EnvkitError('FILE', `${arg} does not exist`, { hint: 'give an environment name (production) or the path of a .env file (./.env)' });
  const doc = parseDocument(text);
  assertParsed(doc, arg);
  return doc;
}

function statusMark(ctx: Context, d: KeyDiff): string {
  switch (d.status) {
    case 'same':
      return ctx.style.dim('=');
    case 'different':
      return ctx.style.yellow('~');
    case 'only-left':
      return ctx.style.red('-');
    case 'only-right':
      return ctx.style.green('+');
  }
}

function describe(d: KeyDiff, left: string, right: string): string {
  switch (d.status) {
    case 'same':
      return `same       ${d.left}`;
    case 'different':
      return `different  ${d.left} → ${d.right}`;
    case 'only-left':
      return `only in ${left}  ${d.left}`;
    case 'only-right':
      return `only in ${right}  ${d.right}`;
  }
}
