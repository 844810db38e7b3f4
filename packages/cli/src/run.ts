import { CommanderError } from 'commander';
import { createProgram } from './program.js';
import type { GlobalOptions } from './command-table.js';
import { processIo, type Io } from './io.js';
import { Exit, ExitError } from './exit-codes.js';

/**
 * Run the CLI with `argv` (without node and script) and return the exit code. Only bin.ts exits.
 */
export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode = 0;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  for (const command of program.commands.flatMap((c) => c.commands)) command.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.unknownOption') (await import('./render/run-separator.js')).adviseSeparator(argv, error.message, io);
      // --help, --version and `help` end with 0; help shown because a command was missing (`envkit`,
      // `envkit generate`) is a usage error like any other.
      return error.exitCode === 0 ? Exit.Ok : Exit.Usage;
    }
    if (error instanceof ExitError) return error.exitCode;
    const json = argv.includes('--json');
    // Loaded only on failure: it pulls in the library (isEnvkitError), which `--help` never needs.
    const [{ renderError }, { fixScope }, { workedOn }] = await Promise.all([import('./render/error.js'), import('./render/fix-scope.js'), import('./context.js')]);
    // What the command worked on (the environment, else the env file; the schema; -C): the fixes of its issues name it.
    return renderError(error, io, json, fixScope(workedOn(program.opts<GlobalOptions>(), io)));
  }
}
