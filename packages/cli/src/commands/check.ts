import { checkProject } from 'envkit';
import type { Context } from '../context.js';
import { renderFindings, countLine } from '../render/findings.js';

/** `envkit check`: findings with severity, place, problem and fix; exit 1 on any error. */
export async function run(ctx: Context, flags: { git?: boolean }): Promise<number> {
  const project = await ctx.project();
  const result = checkProject({ ...project, git: flags.git });
  if (ctx.json) {
    ctx.printJson({ ok: result.ok, findings: result.findings });
    return result.ok ? 0 : 1;
  }
  renderFindings(ctx, result.findings);
  const summary = `${result.ok ? ctx.style.green('ok') : ctx.style.red('failed')}: ${countLine(result.findings)} (${project.schema.name} schema, ${project.envFile})`;
  ctx.out(summary, !result.ok);
  return result.ok ? 0 : 1;
}
