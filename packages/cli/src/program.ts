import { Command, InvalidArgumentError, Option } from 'commander';
import type { Io } from './io.js';
import { VERSION } from './version.js';
import { COMMANDS, GLOBAL_OPTIONS, PROGRAM, type GlobalOptions } from './command-table.js';
import type { CommandDef, CommandModule, OptionDef } from './define-command.js';

/**
 * The commander program of the command table (command-table.ts). A command's module is imported only when
 * it runs, to keep start-up fast; `--help` loads none.
 */
export function createProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command(PROGRAM.name)
    .description(PROGRAM.description)
    .version(VERSION, '-V, --version');
  for (const def of GLOBAL_OPTIONS) program.addOption(createOption(def));
  program
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText('after', PROGRAM.examples);
  for (const def of COMMANDS) addCommand(program, def, io, setExit);
  return program;
}

function addCommand(parent: Command, def: CommandDef, io: Io, setExit: (code: number) => void): void {
  const command = parent.command(def.name).description(def.description);
  for (const arg of def.arguments ?? []) command.argument(arg.name, arg.description);
  for (const opt of def.options ?? []) command.addOption(createOption(opt));
  const load = def.load;
  if (load !== undefined) {
    command.action(async (...args: unknown[]) => {
      // commander calls an action with the arguments, the options and the command.
      const self = args.pop() as Command;
      args.pop();
      // A subcommand's flags include its parent's options: commander parses those wherever they stand.
      const flags = { ...(parent.parent ? parent.opts() : {}), ...self.opts() };
      // The context (and through it the library) loads with the command, never for `--help`.
      const [{ createContext }, { run }] = await Promise.all([import('./context.js'), load() as Promise<CommandModule>]);
      const ctx = createContext(self.optsWithGlobals<GlobalOptions>(), io);
      if (ctx.environment !== undefined && def.worksOn?.environment === 'plaintext') (await import('./environment-guard.js')).refuseEnvironment(self.parent?.parent ? self.parent.name() : self.name());
      const code = await run(ctx, ...args, flags);
      setExit(typeof code === 'number' ? code : 0);
    });
  }
  for (const sub of def.subcommands ?? []) addCommand(command, sub, io, setExit);
}

function createOption(def: OptionDef): Option {
  const option = new Option(def.flags, def.description);
  if (def.choices !== undefined) option.choices(def.choices);
  const parse = def.parse;
  if (parse !== undefined) {
    option.argParser((value: string, previous: unknown) => {
      try {
        return parse(value, previous as never);
      } catch (error) {
        // commander words it: "option '--db-port <port>' argument '0' is invalid. <message>".
        throw new InvalidArgumentError((error as Error).message);
      }
    });
  }
  if (def.default !== undefined) option.default(def.default);
  if (def.mandatory === true) option.makeOptionMandatory();
  return option;
}
