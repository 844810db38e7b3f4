import { checkDeployment } from 'envkit/project';
import { detectPodmanEnvironment } from 'envkit/compose';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { renderFindings, countLine } from '../render/findings.js';
import { wordFindings } from '../render/hints.js';
import { fixScope } from '../render/fix-scope.js';
import { dbSecurity } from '../db-security.js';

/** `envkit check`: findings with severity, place, problem and fix; exit 1 on any error. */
export async function run(ctx: Context, flags: FlagsOf<'check'>): Promise<number> {
  if (ctx.environment !== undefined) return (await import('./in-environment.js')).checkIn(ctx, flags);
  const project = await ctx.project();
  const checked = await checkDeployment({
    ...project,
    git: flags.git,
    compose: flags.compose === false ? false : typeof flags.compose === 'string' ? flags.compose : flags.composeFile?.[0],
    composeOverrides: flags.composeFile?.slice(1),
    dbService: flags.dbService,
    appService: flags.appService,
    ...(flags.online
      ? {
          online: { dbHost: flags.dbHost, dbPort: flags.dbPort, dbSecurity: dbSecurity(flags, ctx.io.cwd), env: ctx.io.env, cwd: project.cwd, timeoutMs: flags.timeout },
          podman: detectPodmanEnvironment(),
        }
      : {}),
  });
  const result = { ...checked, findings: wordFindings(checked.findings, fixScope(ctx)) };
  if (ctx.json) {
    ctx.printJson({ ok: result.ok, composeFile: result.composeFile ?? null, findings: result.findings, probes: result.probes });
    return result.ok ? 0 : 1;
  }
  renderFindings(ctx, result.findings);
  // A failed probe is an error finding, printed above: each probe shows once.
  for (const probe of result.probes.filter((p) => p.ok)) {
    ctx.out(`${ctx.style.green('ok     ')} ${probe.name}  ${probe.message} ${ctx.style.dim(`(${probe.ms} ms)`)}`);
  }
  const scope = [project.envFile, result.composeFile].filter(Boolean).join(' + ');
  ctx.out(`${result.ok ? ctx.style.green('ok') : ctx.style.red('failed')}: ${countLine(result.findings)} (${project.schema.name} schema; ${scope})`, !result.ok);
  return result.ok ? 0 : 1;
}
