import { decryptToFile } from 'envkit/age';
import { projectPaths, syncGitignore } from 'envkit/project';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { identitiesFor, requireEnvironment } from '../age-options.js';
import { renderFiles } from '../render/summary.js';

/** `envkit decrypt --env NAME`: the environment written to the env file (0600, atomic) for compose to read. */
export async function run(ctx: Context, flags: FlagsOf<'decrypt'>): Promise<number> {
  const name = requireEnvironment(ctx, 'decrypt');
  const identities = await identitiesFor(ctx);
  const change = await decryptToFile({ cwd: ctx.cwd, name, envFile: ctx.envFile, identities: identities.map((i) => i.identity), force: flags.force });
  // The plaintext it wrote stays out of git, as init's does (-f prod.env is no more ignored than .env is everywhere).
  const gitignore = syncGitignore(projectPaths({ cwd: ctx.cwd, envFile: ctx.envFile }));
  if (ctx.json) {
    ctx.printJson({ ok: true, environment: name, file: change, gitignore });
    return 0;
  }
  renderFiles(ctx, gitignore.action === 'unchanged' ? [change] : [change, gitignore]);
  return 0;
}
