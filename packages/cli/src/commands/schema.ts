import { describeSchema, toJSONSchema, type VariableInfo } from 'envkit';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { keyWidth } from '../render/summary.js';

/** `envkit schema`: the variables as a table, JSON, JSON Schema or Markdown. */
export async function run(ctx: Context, flags: FlagsOf<'schema'>): Promise<number> {
  const schema = await ctx.loadSchema();
  const vars = describeSchema(schema);
  const format = ctx.json && flags.format === 'table' ? 'json' : flags.format;
  if (format === 'json') ctx.printJson({ name: schema.name, variables: vars });
  else if (format === 'json-schema') ctx.printJson(toJSONSchema(schema));
  else if (format === 'markdown') ctx.io.stdout.write(markdown(schema.name, vars));
  else table(ctx, vars);
  return 0;
}

function how(v: VariableInfo): string {
  if (v.derivedFrom) return `derived from ${v.derivedFrom.join(', ')}`;
  if (v.generated) return 'generated';
  if (v.default !== undefined) return `default ${v.default}`;
  return v.required ? 'required' : 'optional';
}

function table(ctx: Context, vars: VariableInfo[]): void {
  const w = keyWidth(vars);
  let section = '';
  for (const v of vars) {
    if (v.section !== section) {
      section = v.section;
      ctx.out(ctx.style.bold(section));
    }
    ctx.out(`  ${v.key.padEnd(w)}  ${(v.secret ? 'secret' : '').padEnd(6)}  ${how(v)}`);
    ctx.out(`  ${''.padEnd(w)}  ${ctx.style.dim(v.description)}`);
  }
}

function markdown(name: string, vars: VariableInfo[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = vars.map((v) => `| \`${v.key}\` | ${cell(v.section)} | ${cell(v.description)} | ${v.secret ? 'yes' : 'no'} | ${cell(how(v))} |`);
  return [`# ${name} environment`, '', '| Variable | Section | Meaning | Secret | Value |', '|---|---|---|---|---|', ...rows, ''].join('\n');
}
