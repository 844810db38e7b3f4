import { Command, Option, InvalidArgumentError } from 'commander';
import type { Context, GlobalOptions } from './context.js';
import type { Io } from './io.js';
import { VERSION } from './version.js';
import type { CommandName } from './command-of.js';

type Loader = () => Promise<{ run: (ctx: Context, ...args: never[]) => Promise<number | void> }>;

/**
 * Build the commander program. Commands are imported only when they run, to keep start-up fast. With
 * `only`, just that command is defined (with the global options): what a run of that command needs, since
 * commander builds every option of every command up front (about a millisecond). See commandOf in command-of.ts.
 */
export function createProgram(io: Io, setExit: (code: number) => void, only?: CommandName): Command {
  const want = (name: CommandName): boolean => only === undefined || only === name;
  const program = new Command('envkit');
  const lazy =
    (load: Loader) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      // The context (and through it the library) loads with the command, never for `--help`.
      const [{ createContext }, { run }] = await Promise.all([import('./context.js'), load()]);
      const ctx = createContext(command.optsWithGlobals<GlobalOptions>(), io);
      if (ctx.environment !== undefined) (await import('./environment-guard.js')).refusePlainOnly(command.parent?.parent ? command.parent.name() : command.name());
      const params = args.slice(0, -1) as never[];
      const code = await run(ctx, ...params);
      setExit(typeof code === 'number' ? code : 0);
    };

  program
    .description('Manage the secrets and environment of a deployment: schema-checked .env, strong secrets, safe rotation.')
    .version(VERSION, '-V, --version')
    .option('-C, --cwd <dir>', 'project directory', '.')
    .option('-f, --file <path>', 'env file, relative to the project directory (default: .env)')
    .option('--env-file <path>', 'the same as --file (Node 20 itself takes --env-file <missing file> when envkit runs through npx or pnpm: use --file there)')
    .option('--schema <module>', 'JS or TS module exporting the schema (default: the memu schema)')
    .option('--project <id>', 'keyring project id (default: directory name + hash of its path; also ENVKIT_PROJECT)')
    .option('--env <name>', 'work on the encrypted environment .env.<name>.age instead of the env file (also ENVKIT_ENV)')
    .option('--identity <file>', 'age key file to decrypt with (repeatable; also ENVKIT_IDENTITY_FILE; default: your identity, see `envkit identity`)', collect, [])
    .option('--json', 'machine-readable output (secrets stay masked)')
    .option('-q, --quiet', 'print only errors')
    .option('--no-color', 'no colors (also NO_COLOR)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText(
      'after',
      `
Examples:
  envkit init                          create .env (generated password, defaults), .env.example, .gitignore
  envkit init --set OPENAI_API_KEY=sk-...   supply a value without a prompt
  envkit check                         validate .env: schema, mode 0600, git, example, portability
  envkit rotate POSTGRES_PASSWORD      new password in the database and .env, safely
  envkit get POSTGRES_USER             print one value (secrets masked unless --reveal)
  envkit schema --format markdown      document the variables
  envkit guard install                 stop every commit that holds a secret (pre-commit hook)`,
    );

  if (want('init'))
    program
      .command('init')
      .description('create or complete .env, .env.example and .gitignore; never overwrites a value')
      .option('--set <KEY=VALUE>', 'supply a value (repeatable)', collect, [])
      .option('--from-env', 'take values from the process environment')
      .option('--no-input', 'never prompt, even on a terminal')
      .option('--dry-run', 'show what would be done, write nothing')
      .option('--keyring', 'require the OS keyring: fail (exit 3) when secrets cannot be stored there')
      .option('--no-keyring', 'do not store secrets in the OS keyring (default: store them when a keyring is available)')
      .action(lazy(() => import('./commands/init.js')));

  if (want('backup'))
    program
      .command('backup')
      .description('copy the secrets of .env into the OS keyring (service envkit:<project>)')
      .argument('[KEY...]', 'only these secrets (default: every secret of the schema)')
      .action(lazy(() => import('./commands/backup.js')));

  if (want('restore'))
    program
      .command('restore')
      .description('rebuild a missing or damaged .env from the OS keyring, schema defaults and derived values')
      .option('--force', 'replace an existing .env (a copy is kept as .env.envkit-backup, or .env.envkit-backup-<time> if that holds an earlier copy)')
      .option('--set <KEY=VALUE>', 'a non-secret value the keyring does not hold, e.g. a custom POSTGRES_USER (repeatable)', collect, [])
      .option('--dry-run', 'show where each value would come from, write nothing')
      .action(lazy(() => import('./commands/restore.js')));

  if (want('keyring')) {
    const keyring = program.command('keyring').description("the OS keyring copy of the project's secrets");
    keyring
      .command('status')
      .description('backend, reachability, and which secrets are stored (compared with .env, never shown)')
      .action(lazy(() => import('./commands/keyring-status.js')));
    keyring
      .command('forget')
      .description("delete the project's keyring entries and their history (.env is not touched)")
      .argument('[KEY...]', 'only these keys (default: all of the project)')
      .option('--yes', 'really delete')
      .action(lazy(() => import('./commands/keyring-forget.js')));
  }

  if (want('rotate'))
    program
      .command('rotate')
      .description(
        'give a secret a new value (generated, or from stdin); POSTGRES_PASSWORD changes in the live database and .env together (pending file, apply, test, write: safe to re-run)',
      )
      .argument('<KEY>', 'the secret to rotate, e.g. POSTGRES_PASSWORD')
      .option('--stdin', 'read the new value from standard input instead of generating one')
      .addOption(
        new Option('--apply <mode>', 'how to change the database: psql in the running db container, a direct connection, or not at all (default: compose when the compose file has the db service)').choices([
          'compose',
          'direct',
          'none',
        ]),
      )
      .option('--compose-cmd <command>', "the compose command with its own flags, quoted as for a shell, e.g. 'docker compose' (default: detected)")
      .option('--compose-file <file>', 'compose file, relative to the project directory; repeat for several (-f a -f b) (default: compose.yaml, docker-compose.yml… there)', collect)
      .option('--compose-project <name>', 'the compose project name (-p) (default: the compose file\'s directory name)')
      .option('--service <name>', 'the database service in the compose file (default: db)')
      .option('--app-service <name>', 'the service to recreate afterwards (default: memu)')
      .option('--abort', 'abandon the pending rotation: only while the database does not have the new password yet')
      .option('--db-host <host>', "direct connection: this host instead of the URL's (db resolves only inside compose)")
      .option('--db-port <port>', "direct connection: this port instead of the URL's", parsePort)
      .addOption(sslModeOption('direct connection'))
      .option('--db-sslrootcert <file>', 'direct connection: the CA certificate (PEM) that signed the server certificate, or "system" (default: ?sslrootcert= of the URL, PGSSLROOTCERT)')
      .option('--db-allow-insecure-auth', 'direct connection: send the password even when the server asks for it in cleartext or as MD5 (default: refuse, nothing sent)')
      .option('--restart', 'recreate the app service at the end (default: print the command)')
      .option('--keyring', 'require the OS keyring copy of the new value: exit 3 when it cannot be stored there')
      .option('--no-keyring', 'do not update the OS keyring (default: update it when a keyring is available)')
      .option('--dry-run', 'show the steps, change nothing')
      .action(lazy(() => import('./commands/rotate.js')));

  if (want('status'))
    program
      .command('status')
      .description('inspect the running stack: containers, health, environment vs .env, database login, Ollama from the app, restart policy, log errors (exit 1 on errors)')
      .option('--compose-cmd <command>', "the compose command with its own flags, quoted as for a shell (default: detected)")
      .option('--compose-file <file>', 'compose file, relative to the project directory; repeat for several (default: the one in the project directory)', collect)
      .option('--compose-project <name>', 'the compose project name (-p)')
      .option('--db-service <name>', 'the database service (default: db)')
      .option('--app-service <name>', 'the service that must reach Ollama (default: memu)')
      .option('--timeout <ms>', 'time limit of each container command', parsePositive, 30000)
      .action(lazy(() => import('./commands/status.js')));

  if (want('check'))
    program
      .command('check')
      .description('validate .env against the schema and the rules of a safe deployment (exit 1 on errors)')
      .option('--no-git', 'do not ask git whether .env is ignored and untracked')
      .option('--compose <file>', 'compose file to check (default: compose.yaml, docker-compose.yml… in the project directory)')
      .option('--compose-file <file>', 'the compose files as compose is run with them (-f base -f override): repeatable; the first is checked, the others only add their service names', collect)
      .option('--no-compose', 'skip the compose file checks')
      .option('--db-service <name>', 'the database service in the compose file (default: db)')
      .option('--app-service <name>', 'the application service in the compose file (default: memu)')
      .option('--online', 'also log in to the database (SELECT 1) and ask Ollama for its version')
      .option('--db-host <host>', 'with --online: reach the database at this host instead of the URL\'s')
      .option('--db-port <port>', 'with --online: and this port', parsePort)
      .addOption(sslModeOption('with --online'))
      .option('--db-sslrootcert <file>', 'with --online: the CA certificate (PEM) that signed the server certificate, or "system"')
      .option('--db-allow-insecure-auth', 'with --online: send the password even when the server asks for it in cleartext or as MD5')
      .option('--timeout <ms>', 'with --online: time limit per probe', parsePositive, 3000)
      .action(lazy(() => import('./commands/check.js')));

  if (want('get'))
    program
      .command('get')
      .description('print one value (secrets masked unless --reveal)')
      .argument('<KEY>')
      .option('--reveal', 'print a secret in clear')
      .option('--allow-unknown', 'read a key the schema does not define (treated as a secret)')
      .action(lazy(() => import('./commands/get.js')));

  if (want('set'))
    program
      .command('set')
      .description('set values: validated, written portably, derived values recomputed, one atomic write')
      .argument('<KEY=VALUE...>', 'assignments; with --stdin, one KEY whose value is read from standard input')
      .option('--stdin', 'read the value of the one KEY from standard input (keeps a secret out of the process list)')
      .option('--allow-unknown', 'accept keys the schema does not define')
      .option('--force', 'change a value that also lives elsewhere (the database password) in the file alone')
      .option('--dry-run', 'validate only, write nothing')
      .option('--keyring', 'require the OS keyring copy of a secret that changes: exit 3 when it cannot be stored there')
      .option('--no-keyring', 'do not update the OS keyring (default: keep its copy of a changed secret in step when a keyring is available)')
      .action(lazy(() => import('./commands/set.js')));

  if (want('unset'))
    program
      .command('unset')
      .description('remove variables from .env')
      .argument('<KEY...>')
      .option('--force', 'remove a value that also lives elsewhere (the database password)')
      .option('--keyring', 'require the OS keyring: exit 3 when a removed secret cannot be removed there too')
      .option('--no-keyring', 'do not touch the OS keyring (default: a removed secret leaves the keyring too, when one is available)')
      .action(lazy(() => import('./commands/unset.js')));

  if (want('example'))
    program
      .command('example')
      .description('write .env.example from the schema')
      .option('--check', 'exit 1 if .env.example is out of date, write nothing')
      .action(lazy(() => import('./commands/example.js')));

  if (want('gitignore'))
    program
      .command('gitignore')
      .description('make .gitignore ignore .env and envkit files and keep .env.example visible')
      .option('--check', 'exit 1 if .gitignore needs changes, write nothing')
      .action(lazy(() => import('./commands/gitignore.js')));

  if (want('schema'))
    program
      .command('schema')
      .description('show the variables of the schema')
      .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'json-schema', 'markdown']).default('table'))
      .action(lazy(() => import('./commands/schema.js')));

  if (want('generate')) {
    const generate = program.command('generate').description('generate values');
    generate
      .command('password')
      .description('print a strong password (URL- and .env-safe alphabet)')
      .option('--length <n>', 'length in characters', '32')
      .action(lazy(() => import('./commands/generate-password.js')));
  }

  if (want('guard')) {
    const guard = program
      .command('guard')
      .description('stop secrets reaching git: search what is staged (or --range, --history) for env files, age keys and the current secret values (exit 1 when found)')
      .option('--range <A..B>', 'scan the commits of this range instead, e.g. origin/main..HEAD')
      .option('--history', 'scan every commit of every branch and tag instead')
      .option('--keyring', 'require the OS keyring copies as a source: exit 3 when the keyring is unavailable')
      .option('--no-keyring', 'do not search for the keyring copies (default: when a keyring is available)')
      .action(lazy(() => import('./commands/guard.js')));
    const install = lazy(() => import('./commands/guard-install.js'));
    guard
      .command('install')
      .description('make `envkit guard` the pre-commit hook (core.hooksPath respected; an existing hook is kept and runs first); the hook searches the keyring copies only with --keyring')
      .option('--dry-run', 'say what would be done, change nothing')
      // commander gives `guard`'s options to `guard` wherever they stand: `guard install --no-keyring` lands there.
      .action((flags: object, command: Command) => install({ ...flags, keyring: guard.opts().keyring }, command));
  }

  defineAgeCommands(program, want, lazy);

  return program;
}

/** The commands of encrypted environments (age): identity, recipients, encrypt, decrypt, edit, diff, run. */
function defineAgeCommands(program: Command, want: (name: CommandName) => boolean, lazy: (load: Loader) => (...args: unknown[]) => Promise<void>): void {
  if (want('identity'))
    program
      .command('identity')
      .description('show your age identity\'s public recipient, creating the identity (X25519) in the OS keyring or ~/.config/envkit/identity.txt when there is none')
      .option('--keyring', 'require the OS keyring (exit 3 when it is unavailable)')
      .option('--no-keyring', 'keep a new identity in the 0600 file, never in the OS keyring')
      .action(lazy(() => import('./commands/identity.js')));

  if (want('recipients')) {
    const recipients = program.command('recipients').description('who can decrypt an environment (.env.<name>.recipients, with --env NAME)');
    recipients
      .command('list')
      .description('the recipients of the environment and their names')
      .action(lazy(() => import('./commands/recipients-list.js')));
    recipients
      .command('add')
      .description('add a recipient (default: yours) and re-encrypt the environment to the new list')
      .argument('[RECIPIENT]', 'an age X25519 recipient, age1… (default: the key given with --identity, else yours from `envkit identity`)')
      .option('--name <name>', 'whose key it is (a comment in the recipients file)')
      .action(lazy(() => import('./commands/recipients-add.js')));
    recipients
      .command('remove')
      .description('remove a recipient, re-encrypt without it, and list the secrets it could read (rotate them: removal alone is not revocation)')
      .argument('<RECIPIENT>', 'the age1… recipient or its name')
      .action(lazy(() => import('./commands/recipients-remove.js')));
  }

  if (want('encrypt'))
    program
      .command('encrypt')
      .description('encrypt a plaintext .env file into the environment (--env NAME) for its recipients')
      .requiredOption('--from <file>', 'the plaintext file to encrypt (it is left in place: delete it yourself)')
      .action(lazy(() => import('./commands/encrypt.js')));

  if (want('decrypt'))
    program
      .command('decrypt')
      .description('write the environment (--env NAME) to the env file (.env, 0600, atomic) for compose to read: how a host gets its secrets')
      .option('--force', 'replace an env file whose contents differ')
      .action(lazy(() => import('./commands/decrypt.js')));

  if (want('edit'))
    program
      .command('edit')
      .description('edit the environment (--env NAME) in $EDITOR: a 0600 file in a private directory, validated, re-encrypted, then removed')
      .action(lazy(() => import('./commands/edit.js')));

  if (want('diff'))
    program
      .command('diff')
      .description('compare two environments (names, or paths of .env files) by keys and value fingerprints, never values')
      .argument('<A>')
      .argument('<B>')
      .action(lazy(() => import('./commands/diff.js')));

  if (want('run'))
    program
      .command('run')
      .description('run a command with the environment (--env NAME, else the env file): validated, derived values computed, nothing written')
      .argument('<command...>', 'the command and its arguments, after --')
      .action(lazy(() => import('./commands/run.js')));
}

/** `--db-sslmode`, libpq's sslmode, on rotate and check. */
function sslModeOption(scope: string): Option {
  return new Option('--db-sslmode <mode>', `${scope}: TLS as libpq's sslmode (default: ?sslmode= of the URL, PGSSLMODE, prefer)`).choices([
    'disable',
    'allow',
    'prefer',
    'require',
    'verify-ca',
    'verify-full',
  ]);
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('expected a port number from 1 to 65535');
  return n;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/** A repeatable option's values in order; `undefined` (not `[]`) until it is given. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
