import { relative, resolve } from 'node:path';
import { installGuardHook } from 'envkit/project';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';

/**
 * `envkit guard install`: make `envkit guard` the repository's pre-commit hook, chaining to a hook that is
 * already there. The hook runs the guard with this run's project options.
 */
export async function run(ctx: Context, flags: FlagsOf<'guard install'>): Promise<number> {
  const args: string[] = [];
  if (ctx.envFile !== '.env') args.push('--file', ctx.envFile);
  // Absolute: the hook runs in the repository's top directory, not where this command was run.
  if (ctx.schemaPath !== undefined) args.push('--schema', resolve(ctx.io.cwd, ctx.schemaPath));
  if (ctx.projectId !== undefined) args.push('--project', ctx.projectId);
  args.push('guard', '--quiet');
  // The hook leaves the keyring out unless asked: opening it costs a helper process and a probe round trip
  // on every commit (0.6-1.4 s on a loaded machine), and its copies normally equal the .env it searches.
  args.push(flags.keyring === true ? '--keyring' : '--no-keyring');
  const result = await installGuardHook({ cwd: ctx.cwd, args, dryRun: flags.dryRun });
  const where = relative(ctx.io.cwd, result.hook) || result.hook;
  if (ctx.json) {
    ctx.printJson({ ok: true, dryRun: flags.dryRun === true, ...result });
    return 0;
  }
  const would = flags.dryRun ? 'would be ' : '';
  const text = {
    installed: `pre-commit hook ${would}installed: ${where}`,
    chained: `pre-commit hook ${would}installed: ${where}; the hook that was there ${flags.dryRun ? 'would be' : 'is'} kept as ${result.chained ? relative(ctx.io.cwd, result.chained) : ''} and runs first`,
    updated: `pre-commit hook ${would}updated: ${where}`,
    unchanged: `pre-commit hook already installed: ${where} (nothing changed)`,
  }[result.action];
  ctx.out(`${ctx.style.green('ok')}: ${text}${result.hooksPath ? ' (the directory of core.hooksPath)' : ''}`);
  if (result.husky) ctx.out(`${ctx.style.yellow('note')}: husky rewrites this directory; add \`envkit guard\` to .husky/pre-commit instead (see docs/guard.md)`);
  const runs = flags.dryRun ? 'would run' : 'runs';
  ctx.out(ctx.style.dim(`Every commit then ${runs} \`envkit guard\`; \`git commit --no-verify\` skips it once.`));
  return 0;
}
