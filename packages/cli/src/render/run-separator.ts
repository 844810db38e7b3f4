import { shellWord } from 'envkit/project';
import { commandLine, separatedRun } from '../command-of.js';
import { COMMANDS, GLOBAL_OPTIONS } from '../command-table.js';
import type { Io } from '../io.js';

/**
 * After commander's "unknown option" for `envkit run node -e 0`: the same run with `--` before its command,
 * which keeps the command's options its own (printed only where that is what went wrong).
 */
export function adviseSeparator(argv: readonly string[], message: string, io: Io): void {
  // commander's words: "error: unknown option '-e'".
  const unknown = /unknown option '([^']+)'/.exec(message)?.[1];
  // The command line is derived here, on this error path: the table's COMMAND_LINE, imported, would be computed at
  // every start of the CLI (0.6 ms of `envkit get`); bin.ts gets it from the build instead.
  const fixed = unknown === undefined ? undefined : separatedRun(argv, unknown, commandLine(COMMANDS, GLOBAL_OPTIONS));
  if (fixed === undefined) return;
  io.stderr.write(`  fix: put -- before the command, so that its options are its own: \`envkit ${fixed.map(shellWord).join(' ')}\`\n`);
}
