// Which command an argv runs, decided before commander loads: bin.ts picks the bundle and its code cache
// by it, and createProgram defines only that command. No imports: bin.ts stays small.

/** The top-level commands, in the order `--help` lists them. */
export const COMMAND_NAMES = ['init', 'backup', 'restore', 'keyring', 'rotate', 'status', 'check', 'get', 'set', 'unset', 'example', 'gitignore', 'schema', 'generate', 'guard', 'identity', 'recipients', 'encrypt', 'decrypt', 'edit', 'diff', 'run'] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

/** The global options commandOf may skip over, without and with a value (program.test.ts checks them against the program). */
export const GLOBAL_FLAGS: ReadonlySet<string> = new Set(['--json', '-q', '--quiet', '--no-color']);
export const GLOBAL_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set(['-C', '--cwd', '-f', '--file', '--env-file', '--schema', '--project', '--env', '--identity']);

/**
 * The command an argv runs, when that is certain: the first word after nothing but known global options.
 * Anything else (`--help`, `help`, a typo, combined short flags) gives undefined: build the whole program.
 */
export function commandOf(argv: readonly string[]): CommandName | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (GLOBAL_FLAGS.has(arg)) continue;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('--') && GLOBAL_OPTIONS_WITH_VALUE.has(arg.slice(0, arg.indexOf('=')))) continue;
    return (COMMAND_NAMES as readonly string[]).includes(arg) ? (arg as CommandName) : undefined;
  }
  return undefined;
}
