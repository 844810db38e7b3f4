import { initProject, promptsForInit, validateValues } from 'envkit';
import type { Context } from '../context.js';
import { parseAssignments } from '../assignments.js';
import { promptHidden } from '../prompt.js';
import { renderKeys, renderFiles } from '../render/summary.js';

interface InitFlags {
  set: string[];
  fromEnv?: boolean;
  input?: boolean;
  dryRun?: boolean;
}

/** `envkit init`: fill what is missing, never overwrite, say what happened per key. */
export async function run(ctx: Context, flags: InitFlags): Promise<number> {
  const project = await ctx.project();
  const values = parseAssignments(flags.set, '--set');
  if (flags.fromEnv) {
    for (const key of Object.keys(project.schema.vars)) {
      const value = ctx.io.env[key];
      if (value !== undefined && value !== '' && values[key] === undefined) values[key] = value;
    }
  }
  const interactive = flags.input !== false && !ctx.json && ctx.io.stdin.isTTY === true && ctx.io.stderr.isTTY === true;
  if (interactive) {
    for (const p of promptsForInit({ ...project, values })) {
      ctx.err(`${ctx.style.bold(p.key)}: ${p.description}${p.example ? ctx.style.dim(` (format: ${p.example})`) : ''}`);
      for (let attempt = 0; attempt < 3; attempt++) {
        const answer = await promptHidden(ctx.io, `  value${p.optional ? ' (Enter to leave it empty)' : ''}, hidden: `);
        if (answer === '') break;
        const issue = validateValues(project.schema, { ...values, [p.key]: answer }, {}).issues.find((i) => i.key === p.key);
        if (!issue) {
          values[p.key] = answer;
          break;
        }
        ctx.err(`  ${ctx.style.red('not accepted')}: ${issue.message}`);
      }
    }
  }
  const result = initProject({ ...project, values, dryRun: flags.dryRun });
  if (ctx.json) {
    ctx.printJson({ ok: true, dryRun: flags.dryRun === true, ...result });
    return 0;
  }
  ctx.out(`${ctx.style.bold(flags.dryRun ? 'envkit init (dry run, nothing written)' : 'envkit init')}  ${project.schema.name} schema, ${ctx.cwd}`);
  renderKeys(ctx, result.keys);
  ctx.out();
  renderFiles(ctx, result.files);
  ctx.out();
  const missing = result.keys.filter((k) => k.action === 'missing').map((k) => k.key);
  const invalid = result.keys.filter((k) => k.action === 'invalid').map((k) => k.key);
  if (invalid.length) ctx.out(`${ctx.style.red('Invalid')}: ${invalid.join(', ')} — run \`envkit check\` for details.`, true);
  if (missing.length) ctx.out(`Still empty: ${missing.join(', ')} — add with \`envkit set KEY=VALUE\` when you have them.`);
  ctx.out(`Next: ${ctx.style.cyan('envkit check')}, then start the stack (\`podman-compose up -d\`).`);
  return invalid.length ? 1 : 0;
}
