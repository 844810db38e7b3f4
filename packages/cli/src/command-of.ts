// Which command an argv runs, decided before commander loads: bin.ts picks the bundle and its code cache
// by it. No imports: bin.ts gets the command line from the build (COMMAND_LINE, derived from the command
// table with commandLine() below), not the table itself.
import type { OptionDef } from './define-command.js';

/** What commandOf needs to know of the command table. */
export interface CommandLine {
  /** The top-level commands. */
  readonly commands: readonly string[];
  /** The global options without and with a value, each by its short and long name (`-C`, `--cwd`). */
  readonly flags: readonly string[];
  readonly withValue: readonly string[];
}

/** The command line of a table: its command names and its global options. */
export function commandLine(commands: readonly { name: string }[], globalOptions: readonly OptionDef[]): CommandLine {
  const names = (o: OptionDef): string[] => o.flags.split(/[ ,|]+/).filter((word) => word.startsWith('-'));
  const takesValue = (o: OptionDef): boolean => /[<[]/.test(o.flags);
  return {
    commands: commands.map((c) => c.name),
    flags: globalOptions.filter((o) => !takesValue(o)).flatMap(names),
    withValue: globalOptions.filter(takesValue).flatMap(names),
  };
}

/**
 * The command an argv runs, when that is certain: the first word after nothing but known global options.
 * Anything else (`--help`, `help`, a typo, combined short flags) gives undefined: build the whole program.
 */
export function commandOf(argv: readonly string[], line: CommandLine): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (line.flags.includes(arg)) continue;
    if (line.withValue.includes(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('--') && line.withValue.includes(arg.slice(0, arg.indexOf('=')))) continue;
    return line.commands.includes(arg) ? arg : undefined;
  }
  return undefined;
}
