// envkit's command line as one table: the program's description and global options, then every command in
// the order `--help` lists them, with its arguments, options and the module it runs (loaded only when it
// runs). program.ts builds the commander program from it, the build derives the command line bin.ts reads,
// and each command module takes its flags' type from it (`FlagsOf<'get'>`). A new option is one `option(...)`
// in its command's `options`: commander's flags and settings, from which the attribute and its type follow.
import { commandLine } from './command-of.js';
import { argument, collect, defineCommand, option, parsePort, parsePositive, type CommandsByPath, type OptionsOf, type RunArguments } from './define-command.js';

export const PROGRAM = {
  name: 'envkit',
  description: 'Manage the secrets and environment of a deployment: schema-checked .env, strong secrets, safe rotation.',
  examples: `
Examples:
  envkit init                          create .env (generated password, defaults), .env.example, .gitignore
  envkit init --set OPENAI_API_KEY=sk-...   supply a value without a prompt
  envkit check                         validate .env: schema, mode 0600, git, example, portability
  envkit rotate POSTGRES_PASSWORD      new password in the database and .env, safely
  envkit get POSTGRES_USER             print one value (secrets masked unless --reveal)
  envkit schema --format markdown      document the variables
  envkit guard install                 stop every commit that holds a secret (pre-commit hook)`,
} as const;

/** How a direct database connection is secured (libpq's names), on rotate and check. */
function dbSecurityOptions(scope: string) {
  return [
    option('--db-sslmode <mode>', `${scope}: TLS as libpq's sslmode (default: ?sslmode= of the URL, PGSSLMODE, prefer)`, {
      choices: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'],
    }),
    option('--db-sslrootcert <file>', `${scope}: the CA certificate (PEM) that signed the server certificate, or "system" (default: ?sslrootcert= of the URL, PGSSLROOTCERT)`),
    option('--db-allow-insecure-auth', `${scope}: send the password even when the server asks for it in cleartext or as MD5 (default: refuse, nothing sent)`),
  ] as const;
}

/** The options every command takes (before or after its name). */
export const GLOBAL_OPTIONS = [
  option('-C, --cwd <dir>', 'project directory', { default: '.' }),
  option('-f, --file <path>', 'env file, relative to the project directory (default: .env)'),
  option('--env-file <path>', 'the same as --file (Node 20 itself takes --env-file <missing file> when envkit runs through npx or pnpm: use --file there)'),
  option('--schema <module>', 'JS or TS module exporting the schema (default: the memu schema)'),
  option('--project <id>', 'keyring project id (default: directory name + hash of its path; also ENVKIT_PROJECT)'),
  option('--env <name>', 'work on the encrypted environment .env.<name>.age instead of the env file (also ENVKIT_ENV)'),
  option('--identity <file>', 'age key file to decrypt with (repeatable; also ENVKIT_IDENTITY_FILE; default: your identity, see `envkit identity`)', {
    parse: collect,
    default: [],
  }),
  option('--json', 'machine-readable output (secrets stay masked)'),
  option('-q, --quiet', 'print only errors'),
  option('--no-color', 'no colors (also NO_COLOR)'),
] as const;

const dryRun = (description: string) => option('--dry-run', description);

export const COMMANDS = [
  defineCommand({
    name: 'init',
    description: 'create or complete .env, .env.example and .gitignore; never overwrites a value',
    options: [
      option('--set <KEY=VALUE>', 'supply a value (repeatable)', { parse: collect, default: [] }),
      option('--from-env', 'take values from the process environment'),
      option('--no-input', 'never prompt, even on a terminal'),
      dryRun('show what would be done, write nothing'),
      option('--keyring', 'require the OS keyring: fail (exit 3) when secrets cannot be stored there'),
      option('--no-keyring', 'do not store secrets in the OS keyring (default: store them when a keyring is available)'),
    ],
    load: () => import('./commands/init.js'),
    worksOn: { environment: 'plaintext', envFile: true, schema: true },
  }),
  defineCommand({
    name: 'backup',
    description: 'copy the secrets of .env into the OS keyring (service envkit:<project>)',
    arguments: [argument('[KEY...]', 'only these secrets (default: every secret of the schema)')],
    load: () => import('./commands/backup.js'),
    worksOn: { environment: 'plaintext', envFile: true, schema: true },
  }),
  defineCommand({
    name: 'restore',
    description: 'rebuild a missing or damaged .env from the OS keyring, schema defaults and derived values',
    options: [
      option('--force', 'replace an existing .env (a copy is kept as .env.envkit-backup, or .env.envkit-backup-<time> if that holds an earlier copy)'),
      option('--set <KEY=VALUE>', 'a non-secret value the keyring does not hold, e.g. a custom POSTGRES_USER (repeatable)', { parse: collect, default: [] }),
      dryRun('show where each value would come from, write nothing'),
    ],
    load: () => import('./commands/restore.js'),
    worksOn: { environment: 'plaintext', envFile: true, schema: true },
  }),
  defineCommand({
    name: 'keyring',
    description: "the OS keyring copy of the project's secrets",
    subcommands: [
      defineCommand({
        name: 'status',
        description: 'backend, reachability, and which secrets are stored (compared with .env, never shown)',
        load: () => import('./commands/keyring-status.js'),
        worksOn: { environment: 'plaintext', envFile: true, schema: true },
      }),
      defineCommand({
        name: 'forget',
        description: "delete the project's keyring entries and their history (.env is not touched)",
        arguments: [argument('[KEY...]', 'only these keys (default: all of the project)')],
        options: [option('--yes', 'really delete')],
        load: () => import('./commands/keyring-forget.js'),
        worksOn: { environment: 'plaintext', envFile: true, schema: true },
      }),
    ],
  }),
  defineCommand({
    name: 'rotate',
    description:
      'give a secret a new value (generated, or from stdin); POSTGRES_PASSWORD changes in the live database and .env together (pending file, apply, test, write: safe to re-run)',
    arguments: [argument('<KEY>', 'the secret to rotate, e.g. POSTGRES_PASSWORD')],
    options: [
      option('--stdin', 'read the new value from standard input (asked for, hidden, on a terminal) instead of generating one'),
      option(
        '--apply <mode>',
        'how to change the database: psql in the running db container, a direct connection, or not at all (default: compose when the compose file has the db service)',
        { choices: ['compose', 'direct', 'none'] },
      ),
      option('--compose-cmd <command>', "the compose command with its own flags, quoted as for a shell, e.g. 'docker compose' (default: detected)"),
      option(
        '--compose-file <file>',
        'compose file, relative to the project directory; repeat for several (-f a -f b) (default: compose.yaml, docker-compose.yml… there)',
        { parse: collect },
      ),
      option('--compose-project <name>', "the compose project name (-p) (default: the compose file's directory name)"),
      option('--service <name>', 'the database service in the compose file (default: db)'),
      option('--app-service <name>', 'the service to recreate afterwards (default: memu)'),
      option('--abort', 'abandon the pending rotation: only while the database does not have the new password yet'),
      option('--db-host <host>', "direct connection: this host instead of the URL's (db resolves only inside compose)"),
      option('--db-port <port>', "direct connection: this port instead of the URL's", { parse: parsePort }),
      ...dbSecurityOptions('direct connection'),
      option('--restart', 'recreate the app service at the end (default: print the command)'),
      option('--keyring', 'require the OS keyring copy of the new value: exit 3 when it cannot be stored there'),
      option('--no-keyring', 'do not update the OS keyring (default: update it when a keyring is available)'),
      dryRun('show the steps, change nothing'),
    ],
    load: () => import('./commands/rotate.js'),
    worksOn: { environment: 'encrypted', envFile: true, schema: true },
  }),
  defineCommand({
    name: 'status',
    description:
      'inspect the running stack: containers, health, environment vs .env, database login, Ollama from the app, restart policy, log errors (exit 1 on errors)',
    options: [
      option('--compose-cmd <command>', 'the compose command with its own flags, quoted as for a shell (default: detected)'),
      option('--compose-file <file>', 'compose file, relative to the project directory; repeat for several (default: the one in the project directory)', { parse: collect }),
      option('--compose-project <name>', 'the compose project name (-p)'),
      option('--db-service <name>', 'the database service (default: db)'),
      option('--app-service <name>', 'the service that must reach Ollama (default: memu)'),
      option('--timeout <ms>', 'time limit of each container command', { parse: parsePositive, default: 30000 }),
    ],
    load: () => import('./commands/status.js'),
    worksOn: { envFile: true, schema: true },
  }),
  defineCommand({
    name: 'check',
    description: 'validate .env against the schema and the rules of a safe deployment (exit 1 on errors)',
    options: [
      option('--no-git', 'do not ask git whether .env is ignored and untracked'),
      option('--compose <file>', 'compose file to check (default: compose.yaml, docker-compose.yml… in the project directory)'),
      option(
        '--compose-file <file>',
        'the compose files as compose is run with them (-f base -f override): repeatable; the first is checked, the others only add their service names',
        { parse: collect },
      ),
      option('--no-compose', 'skip the compose file checks'),
      option('--db-service <name>', 'the database service in the compose file (default: db)'),
      option('--app-service <name>', 'the application service in the compose file (default: memu)'),
      option('--online', 'also log in to the database (SELECT 1) and ask Ollama for its version'),
      option('--db-host <host>', "with --online: reach the database at this host instead of the URL's"),
      option('--db-port <port>', 'with --online: and this port', { parse: parsePort }),
      ...dbSecurityOptions('with --online'),
      option('--timeout <ms>', 'with --online: time limit per probe', { parse: parsePositive, default: 3000 }),
    ],
    load: () => import('./commands/check.js'),
    worksOn: { environment: 'encrypted', envFile: true, schema: true },
  }),
  defineCommand({
    name: 'get',
    description: 'print one value (secrets masked unless --reveal)',
    arguments: [argument('<KEY>')],
    options: [option('--reveal', 'print a secret in clear'), option('--allow-unknown', 'read a key the schema does not define (treated as a secret)')],
    load: () => import('./commands/get.js'),
    worksOn: { environment: 'encrypted', envFile: true, schema: true },
  }),
  defineCommand({
    name: 'set',
    description: 'set values: validated, written portably, derived values recomputed, one atomic write',
    arguments: [argument('<KEY=VALUE...>', 'assignments; with --stdin, one KEY whose value is read from standard input')],
    options: [
      option('--stdin', 'read the value of the one KEY from standard input, or ask for it, hidden, on a terminal (keeps a secret out of the process list and the shell history)'),
      option('--allow-unknown', 'accept keys the schema does not define'),
      option('--force', 'change a value that also lives elsewhere (the database password) in the file alone'),
      dryRun('validate only, write nothing'),
      option('--keyring', 'require the OS keyring copy of a secret that changes: exit 3 when it cannot be stored there'),
      option('--no-keyring', 'do not update the OS keyring (default: keep its copy of a changed secret in step when a keyring is available)'),
    ],
    load: () => import('./commands/set.js'),
    worksOn: { environment: 'encrypted', envFile: true, schema: true },
  }),
  defineCommand({
    name: 'unset',
    description: 'remove variables from .env',
    arguments: [argument('<KEY...>')],
    options: [
      option('--force', 'remove a value that also lives elsewhere (the database password)'),
      option('--keyring', 'require the OS keyring: exit 3 when a removed secret cannot be removed there too'),
      option('--no-keyring', 'do not touch the OS keyring (default: a removed secret leaves the keyring too, when one is available)'),
    ],
    load: () => import('./commands/unset.js'),
    worksOn: { environment: 'encrypted', envFile: true, schema: true },
  }),
  defineCommand({
    name: 'example',
    description: 'write .env.example from the schema',
    options: [option('--check', 'exit 1 if .env.example is out of date, write nothing')],
    load: () => import('./commands/example.js'),
    worksOn: { envFile: true, schema: true },
  }),
  defineCommand({
    name: 'gitignore',
    description: 'make .gitignore ignore .env and envkit files and keep .env.example visible',
    options: [option('--check', 'exit 1 if .gitignore needs changes, write nothing')],
    load: () => import('./commands/gitignore.js'),
    worksOn: { envFile: true },
  }),
  defineCommand({
    name: 'schema',
    description: 'show the variables of the schema',
    options: [option('--format <format>', 'output format', { choices: ['table', 'json', 'json-schema', 'markdown'], default: 'table' })],
    load: () => import('./commands/schema.js'),
    worksOn: { schema: true },
  }),
  defineCommand({
    name: 'generate',
    description: 'generate values',
    subcommands: [
      defineCommand({
        name: 'password',
        description: 'print a strong password (URL- and .env-safe alphabet)',
        options: [option('--length <n>', 'length in characters', { default: '32' })],
        load: () => import('./commands/generate-password.js'),
      }),
    ],
  }),
  defineCommand({
    name: 'guard',
    description:
      'stop secrets reaching git: search what is staged (or --range, --history) for env files, age keys and the current secret values (exit 1 when found)',
    options: [
      option('--range <A..B>', 'scan the commits of this range instead, e.g. origin/main..HEAD'),
      option('--history', 'scan every commit of every branch and tag instead'),
      option('--keyring', 'require the OS keyring copies as a source: exit 3 when the keyring is unavailable'),
      option('--no-keyring', 'do not search for the keyring copies (default: when a keyring is available)'),
    ],
    load: () => import('./commands/guard.js'),
    worksOn: { envFile: true, schema: true },
    subcommands: [
      defineCommand({
        name: 'install',
        description:
          'make `envkit guard` the pre-commit hook (core.hooksPath respected; an existing hook is kept and runs first); the hook searches the keyring copies only with --keyring',
        options: [dryRun('say what would be done, change nothing')],
        load: () => import('./commands/guard-install.js'),
        worksOn: { envFile: true, schema: true },
      }),
    ],
  }),
  defineCommand({
    name: 'identity',
    description:
      "show your age identity's public recipient, creating the identity (X25519) in the OS keyring or ~/.config/envkit/identity.txt when there is none",
    options: [
      option('--keyring', 'require the OS keyring (exit 3 when it is unavailable)'),
      option('--no-keyring', 'keep the identity in the 0600 file, never in the OS keyring (one the OS keyring holds already is copied there)'),
    ],
    load: () => import('./commands/identity.js'),
  }),
  defineCommand({
    name: 'recipients',
    description: 'who can decrypt an environment (.env.<name>.recipients, with --env NAME)',
    subcommands: [
      defineCommand({
        name: 'list',
        description: 'the recipients of the environment and their names',
        load: () => import('./commands/recipients-list.js'),
        worksOn: { environment: 'encrypted' },
      }),
      defineCommand({
        name: 'add',
        description: 'add a recipient (default: yours) and re-encrypt the environment to the new list',
        arguments: [argument('[RECIPIENT]', 'an age X25519 recipient, age1… (default: the key given with --identity, else yours from `envkit identity`)')],
        options: [option('--name <name>', 'whose key it is (a comment in the recipients file)')],
        load: () => import('./commands/recipients-add.js'),
        worksOn: { environment: 'encrypted' },
      }),
      defineCommand({
        name: 'remove',
        description: 'remove a recipient, re-encrypt without it, and list the secrets it could read (rotate them: removal alone is not revocation)',
        arguments: [argument('<RECIPIENT>', 'the age1… recipient or its name')],
        load: () => import('./commands/recipients-remove.js'),
        worksOn: { environment: 'encrypted', schema: true },
      }),
    ],
  }),
  defineCommand({
    name: 'encrypt',
    description: 'encrypt a plaintext .env file into the environment (--env NAME) for its recipients',
    options: [option('--from <file>', 'the plaintext file to encrypt (it is left in place: delete it yourself)', { mandatory: true })],
    load: () => import('./commands/encrypt.js'),
    worksOn: { environment: 'encrypted', schema: true },
  }),
  defineCommand({
    name: 'decrypt',
    description: 'write the environment (--env NAME) to the env file (.env, 0600, atomic) for compose to read: how a host gets its secrets',
    options: [option('--force', 'replace an env file whose contents differ')],
    load: () => import('./commands/decrypt.js'),
    worksOn: { environment: 'encrypted', envFile: true },
  }),
  defineCommand({
    name: 'edit',
    description: 'edit the environment (--env NAME) in $EDITOR: a 0600 file in a private directory, validated, re-encrypted, then removed',
    load: () => import('./commands/edit.js'),
    worksOn: { environment: 'encrypted', schema: true },
  }),
  defineCommand({
    name: 'diff',
    description: 'compare two environments (names, or paths of .env files) by keys and value fingerprints, never values',
    arguments: [argument('<A>'), argument('<B>')],
    load: () => import('./commands/diff.js'),
  }),
  defineCommand({
    name: 'run',
    description: 'run a command with the environment (--env NAME, else the env file): validated, derived values computed, nothing written',
    arguments: [argument('<command...>', 'the command and its arguments, after --')],
    load: () => import('./commands/run.js'),
    worksOn: { environment: 'encrypted', envFile: true, schema: true },
  }),
] as const;

/**
 * The command names and global options, for commandOf (bin.ts gets the same from the build). Marked pure so
 * that the CLI bundles, which never read it, do not compute it at every start.
 */
export const COMMAND_LINE = /* @__PURE__ */ commandLine(COMMANDS, GLOBAL_OPTIONS);

/** The global options, as commander parses them. */
export type GlobalOptions = OptionsOf<typeof GLOBAL_OPTIONS>;

type ByPath = CommandsByPath<typeof COMMANDS>;

/** A command's path in the table: `get`, `keyring status`, `guard install`. */
export type CommandPath = keyof ByPath & string;

/** What the command at `path` runs with: the context, its arguments, its flags (its options and its parent's). */
export type RunArgs<P extends CommandPath> = RunArguments<ByPath[P]['command'], ByPath[P]['parent']>;

/** The flags of the command at `path`, as commander parses them. */
export type FlagsOf<P extends CommandPath> = RunArgs<P> extends [...unknown[], infer F] ? F : never;

type Mismatched = {
  [P in CommandPath]: ByPath[P]['command'] extends { load: () => Promise<infer M> } ? (M extends { run: (...args: RunArgs<P>) => Promise<number | void> } ? never : P) : never;
}[CommandPath];

// A command module whose `run` does not take what the table gives it fails to type-check here, by its path.
true satisfies [Mismatched] extends [never] ? true : Mismatched;
