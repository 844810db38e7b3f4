import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { shellWord } from 'envkit/project';
import { COMMANDS } from '../command-table.js';
import type { CommandDef, WorksOn } from '../define-command.js';

/**
 * What a printed fix's envkit commands must name to work on what the command that printed it worked on: the
 * encrypted environment (--env), else an env file other than .env (-f), and a schema module (--schema). Without
 * them, `envkit set KEY=...` would change .env under the memu schema: another file, or a refusal.
 */
export interface FixScope {
  environment?: string;
  /** The global options for the file, the schema, the keyring project id and the identities, each with a leading space (`' -f prod.env'`), or ''. */
  options?: string;
  /**
   * The project directory as the user would `cd` to it (`memu/`), when -C put it elsewhere than where envkit
   * was started: the fixes' paths (`chmod 600 .env`) and commands are for that directory, and say so.
   */
  dir?: string;
  /** The key files decrypted with (--identity, else ENVKIT_IDENTITY_FILE), as given: a fix about "your" recipient means theirs. */
  keyFiles?: readonly string[];
}

/** The scope of a command run with these global options (the Context's: `cwd` is the project, `io.cwd` where envkit started). */
export function fixScope(ctx: {
  environment?: string | undefined;
  envFile: string;
  schemaPath?: string | undefined;
  projectId?: string | undefined;
  givenIdentities?: readonly string[];
  keyFiles?: readonly string[];
  cwd?: string;
  io?: { cwd: string };
}): FixScope {
  const start = ctx.io?.cwd;
  // A -C directory that does not exist is the error itself: no fix is for in there.
  const moved = ctx.cwd !== undefined && start !== undefined && resolve(ctx.cwd) !== resolve(start) && existsSync(ctx.cwd);
  const file = ctx.environment === undefined && ctx.envFile !== '.env' ? ` -f ${shellWord(ctx.envFile)}` : '';
  // --schema is given from where envkit started; in the project directory the same module is another path.
  const schemaPath = ctx.schemaPath !== undefined && moved ? relative(ctx.cwd as string, resolve(start as string, ctx.schemaPath)) : ctx.schemaPath;
  const schema = schemaPath === undefined ? '' : ` --schema ${shellWord(schemaPath)}`;
  // --project names the keyring entries (a moved project's old ones): a backup or restore without it reaches others.
  const project = ctx.projectId === undefined ? '' : ` --project ${shellWord(ctx.projectId)}`;
  // --identity (a host's key file): without it a decrypting fix finds no identity, or the wrong one. Given from
  // where envkit started, like --schema.
  const fromProject = (file: string) => (moved && !isAbsolute(file) ? relative(ctx.cwd as string, resolve(start as string, file)) : file);
  const identities = (ctx.givenIdentities ?? []).map((file) => ` --identity ${shellWord(fromProject(file))}`).join('');
  return {
    ...(ctx.environment === undefined ? {} : { environment: ctx.environment }),
    options: `${file}${schema}${project}${identities}`,
    ...(moved ? { dir: shownDir(start as string, ctx.cwd as string) } : {}),
    ...(ctx.keyFiles?.length ? { keyFiles: ctx.keyFiles.map(fromProject) } : {}),
  };
}

/**
 * `envkit check` for what a command just wrote, as a "Next:" line says it: with the file, schema or environment
 * it worked on, and ` in memu/` (`where`) when -C put the project elsewhere.
 */
export function nextCheck(scope: FixScope): { command: string; where: string } {
  return { command: scopeCommands('envkit check', scope), where: inDir(scope) };
}

/** ` in memu/` when -C put the project elsewhere than where envkit started (the commands are for there), else ''. */
export function inDir(scope: FixScope): string {
  return scope.dir === undefined ? '' : ` in ${scope.dir}`;
}

/** `text` with its envkit commands for what `scope` worked on (scopeCommands), painted by `paint`, then ` in memu/` (inDir). */
export function commandIn(text: string, scope: FixScope, paint: (text: string) => string = (t) => t): string {
  return `${paint(scopeCommands(text, scope))}${inDir(scope)}`;
}

/** `fix`, or `fix (in memu/)` when the fixes are for the -C directory. */
export function fixLabel(scope: FixScope): string {
  return scope.dir === undefined ? 'fix' : `fix (in ${scope.dir})`;
}

function shownDir(start: string, dir: string): string {
  const path = relative(start, dir);
  const shown = path.startsWith('..') || isAbsolute(path) ? resolve(dir) : path;
  return shown.endsWith('/') ? shown : `${shown}/`;
}

/** The options to add after an envkit command's name: --env NAME, then the file and the schema. */
export function scopeOptions(scope: FixScope): string {
  return `${scope.environment === undefined ? '' : ` --env ${scope.environment}`}${scope.options ?? ''}`;
}

/** The options after an envkit command's name for encrypted environment `name`: --env NAME, the schema and the identities (no -f, no --project: they are the env file's). */
export function optionsForEnvironment(scope: FixScope, name: string): string {
  return scopeOptions({ environment: name, options: optionsNamed(scope, '--schema', '--identity') });
}

/** The options after an envkit command's name for env file `file`: -f FILE and the schema (not the --project or identities of the scope's own file). */
export function optionsForFile(scope: FixScope, file: string): string {
  return ` -f ${shellWord(file)}${optionsNamed(scope, '--schema')}`;
}

/** `scope` without its --identity options: for a command run on another machine (the host), with its own identity. */
export function withoutIdentities(scope: FixScope): FixScope {
  return { ...scope, options: optionList(scope).filter((option) => !option.startsWith(' --identity ')).join('') };
}

/** The options of `scope` one by one (`' -f prod.env'`, `' --schema s.ts'`, `' --project p'`), as fixScope writes them. */
function optionList(scope: FixScope): string[] {
  return (scope.options ?? '').split(/(?= -f | --schema | --project | --identity )/);
}

/** The options of `scope` that are these flags (`'--schema'`), as fixScope writes them, or ''. */
function optionsNamed(scope: FixScope, ...flags: string[]): string {
  return optionList(scope).filter((option) => flags.some((flag) => option.startsWith(` ${flag} `))).join('');
}

/** What each command of the table works on, by its path (`keyring forget`). */
let worksOn: Map<string, WorksOn> | undefined;
function worksOnByPath(): Map<string, WorksOn> {
  worksOn ??= new Map(COMMANDS.flatMap((def: CommandDef) => [def, ...(def.subcommands ?? []).map((sub) => ({ ...sub, name: `${def.name} ${sub.name}` }))]).map((def) => [def.name, def.worksOn ?? {}]));
  return worksOn;
}

/** The command a fix's `envkit …` names (`keyring forget` for `envkit keyring forget KEY`): its first word, or its first two for a subcommand. */
function commandPath(rest: string): string | undefined {
  const [, first, second] = /^([a-z]+)(?: ([a-z]+))?/.exec(rest) ?? [];
  if (first === undefined) return undefined;
  return second !== undefined && worksOnByPath().has(`${first} ${second}`) ? `${first} ${second}` : first;
}

/**
 * `text` (an error's hint, worded) with each envkit command it names (in backquotes, or after a pipe) given the
 * options of `scope` it takes and lacks, right after its name: `envkit set KEY=...` → `envkit set -f prod.env
 * KEY=...`. Without a scope, `text` as it is.
 */
export function scopeCommands(text: string, scope: FixScope): string {
  if (scope.environment === undefined && !scope.options) return text;
  return text.replace(/(^|`|\| )envkit ([a-z][^`|]*)/g, (whole, before: string, rest: string) => {
    const name = commandPath(rest);
    if (name === undefined) return whole;
    const tail = rest.slice(name.length);
    const takes = worksOnByPath().get(name) ?? {};
    const named = / --env\b/.test(tail);
    // `check --online` and `check --compose FILE` work on the env file a host has, never on an environment.
    const onFile = name === 'check' && / --(?:online|compose)\b/.test(tail);
    const env = scope.environment !== undefined && takes.environment === 'encrypted' && !onFile && !named ? ` --env ${scope.environment}` : '';
    // -f to a command that reads the env file, but not on an encrypted environment (fixScope leaves it out there
    // too); --schema to one that loads the schema; --project (its keyring entries) with the env file.
    // --identity to a command that decrypts an environment (diff opens the environments it names).
    const decrypts = takes.environment === 'encrypted' || name === 'diff';
    const given = optionList(scope).filter((option) =>
      option.startsWith(' --schema ') ? takes.schema === true : option.startsWith(' --identity ') ? decrypts : takes.envFile === true && !(named && option.startsWith(' -f ')),
    );
    const options = given.filter((option) => option !== '' && !tail.includes(`${option.trim().split(' ')[0]!} `)).join('');
    return `${before}envkit ${name}${env}${options}${tail}`;
  });
}
