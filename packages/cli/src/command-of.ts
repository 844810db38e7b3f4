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
  const at = commandAt(argv, line);
  return at === undefined ? undefined : argv[at];
}

/** Where in `argv` its command stands (see {@link commandOf}). */
function commandAt(argv: readonly string[], line: CommandLine): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (line.flags.includes(arg)) continue;
    if (line.withValue.includes(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('--') && line.withValue.includes(arg.slice(0, arg.indexOf('=')))) continue;
    return line.commands.includes(arg) ? i : undefined;
  }
  return undefined;
}

/**
 * `envkit run`'s argv with `--` put before its command, for a run whose command's option `unknown` envkit took
 * for its own (`envkit run node -e 0`: "unknown option '-e'"); `undefined` when the argv does not run `run`, has
 * a `--` already, or `unknown` stands before the command (a mistyped option of envkit's own).
 */
export function separatedRun(argv: readonly string[], unknown: string, line: CommandLine): string[] | undefined {
  const at = commandAt(argv, line);
  if (at === undefined || argv[at] !== 'run' || argv.includes('--')) return undefined;
  for (let i = at + 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === unknown || arg.startsWith(`${unknown}=`)) return undefined;
    if (line.withValue.includes(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    // The command's first word: `--` goes before it when the unknown option is the command's.
    return argv.slice(i + 1).some((a) => a === unknown || a.startsWith(`${unknown}=`)) ? [...argv.slice(0, i), '--', ...argv.slice(i)] : undefined;
  }
  return undefined;
}
