import { stackStatus, type ServiceStatus } from 'envkit/compose';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { renderFindings, countLine } from '../render/findings.js';
import { wordFindings } from '../render/hints.js';
import { fixScope } from '../render/fix-scope.js';

/** `envkit status`: the running stack against the deployment's validation list; exit 1 on any error, as check. */
export async function run(ctx: Context, flags: FlagsOf<'status'>): Promise<number> {
  const project = await ctx.project();
  const checked = await stackStatus({
    ...project,
    composeCmd: flags.composeCmd,
    composeFiles: flags.composeFile,
    composeProject: flags.composeProject,
    dbService: flags.dbService,
    appService: flags.appService,
    timeoutMs: flags.timeout,
    env: ctx.io.env,
  });
  const result = { ...checked, findings: wordFindings(checked.findings, fixScope({ ...ctx, environment: undefined })) };
  if (ctx.json) {
    ctx.printJson(result);
    return result.ok ? 0 : 1;
  }
  const width = Math.max(7, ...result.services.map((s) => s.service.length));
  for (const service of result.services) ctx.out(`${service.service.padEnd(width)}  ${describe(service)}`);
  if (result.services.length > 0) ctx.out();
  renderFindings(ctx, result.findings);
  ctx.out(`${result.ok ? ctx.style.green('ok') : ctx.style.red('failed')}: ${countLine(result.findings)} (${result.services.length} services)`, !result.ok);
  return result.ok ? 0 : 1;
}

function describe(s: ServiceStatus): string {
  if (s.container === undefined) return 'no container';
  const parts = [s.container, s.state];
  if (s.health !== undefined && s.health !== 'none') parts.push(s.health);
  if (s.restart) parts.push(`restart ${s.restart}`);
  parts.push(s.staleKeys.length === 0 ? 'env up to date' : `env stale: ${s.staleKeys.join(', ')}`);
  return parts.join(', ');
}
