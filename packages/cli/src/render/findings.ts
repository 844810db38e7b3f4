import type { Finding } from 'envkit';
import type { Context } from '../context.js';
import { fixLabel, fixScope } from './fix-scope.js';

/** Print findings (worded by wordFindings, render/hints.ts) grouped by severity, each with where, what and how to fix. */
export function renderFindings(ctx: Context, findings: readonly Finding[]): void {
  const { style } = ctx;
  const order = { error: 0, warning: 1, info: 2 } as const;
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  const label = fixLabel(fixScope(ctx));
  for (const f of sorted) {
    if (ctx.quiet && f.severity !== 'error') continue;
    const severity = f.severity === 'error' ? style.red('error  ') : f.severity === 'warning' ? style.yellow('warning') : style.cyan('info   ');
    const where = f.file ? `${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''}` : (f.key ?? '');
    ctx.out(`${severity} ${style.bold(where)}  ${f.message}`, f.severity === 'error');
    if (f.fix) ctx.out(`        ${style.dim(`${label}: ${f.fix}`)}`, f.severity === 'error');
  }
}

/** "2 errors, 1 warning" */
export function countLine(findings: readonly Finding[]): string {
  const n = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  const part = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return `${part(n('error'), 'error')}, ${part(n('warning'), 'warning')}, ${part(n('info'), 'note')}`;
}
