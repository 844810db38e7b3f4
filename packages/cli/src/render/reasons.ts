import { isEnvkitError, type EnvkitError, type ErrorDatum, type ErrorIssue } from 'envkit';
import type { RotationStep } from 'envkit/rotate';
import { withFlagHint } from '../db-security.js';
import { PENDING_UNREADABLE } from './hints.js';
import { issueWithFix } from './value-fix.js';
import { scopeCommands, withoutIdentities, type FixScope } from './fix-scope.js';
import { shellWord } from 'envkit/project';
import { HINTS } from './library-hints.js';

/*
 * The CLI's words for the library's reasons. The library says what happened in its own terms and carries a
 * `reason` (+ `data`); where the way out is one of envkit's flags or commands, it is said here, so the library
 * never names a flag. An error without an entry is printed as the library wrote it.
 */

export type Data = Readonly<Record<string, ErrorDatum>>;
export interface Words {
  message?: (data: Data) => string;
  hint?: (data: Data) => string | undefined;
}

/** The ways to reach the database that need no compose file, as flags; `envName`: the file or environment rotated. */
const withoutCompose = (d: Data): string =>
  '--apply direct (connect with the current password; add --db-host/--db-port), ' +
  `--apply none (change ${String(d.envName ?? '.env')} only; you change the database yourself)`;

/** The three ways to reach the database, as flags. */
const choices = (d: Data): string => `--apply compose (psql in the running db container, no password needed), ${withoutCompose(d)}`;

/** `envkit rotate KEY [--env NAME]`: the command that resumes a rotation where it stopped. */
function rotate(data: Data, key = String(data.key)): string {
  return `envkit rotate ${key}${data.environment === undefined ? '' : ` --env ${String(data.environment)}`}`;
}

const list = (value: ErrorDatum | undefined): string[] => (Array.isArray(value) ? [...(value as readonly string[])] : []);

/** The flag of each rotation option that names a compose service or project. */
const NAME_FLAGS: Record<string, string> = { service: '--service', appService: '--app-service', composeProject: '--compose-project' };

/**
 * A refused change of a value that also lives elsewhere: the schema's own text, or its way out (rotate it, or
 * change it there first) worded with this CLI's commands, then when --force alone is right.
 */
function externalHint(d: Data): string {
  if (d.own !== undefined) return String(d.own);
  const key = String(d.key);
  if (d.rotate !== undefined) return `use \`envkit rotate ${String(d.rotate)}\` (\`--stdin\` for a value of your own), or add --force if ${String(d.aloneWhen)}`;
  const first = list(d.first);
  const words = (parts: string[]): string => parts.map((part, i) => (i % 2 === 1 ? `\`envkit rotate ${part}\`` : part)).join('');
  if (first.length > 0) {
    const then = list(d.then);
    return `${words(first)}, then repeat with --force${then.length > 0 ? `, ${words(then)}` : ''}; --force alone only if ${String(d.aloneWhen)}`;
  }
  const again = d.verb === 'rotate' ? `\`envkit set --force ${key} --stdin\`` : `\`envkit ${String(d.verb)} --force ${key}${d.verb === 'set' ? '=...' : ''}\``;
  return `change it there first, then run ${again}; --force alone only if ${String(d.aloneWhen)}`;
}

const finishInstead: Words = { hint: (d) => (d.key === undefined ? undefined : `finish it instead: \`${rotate(d)}\` (it resumes where it stopped)`) };
const listVariables: Words = { hint: () => 'run `envkit schema` to list the variables' };

const WORDS: Record<string, Words> = {
  // rotation: how to reach the database
  // Only where there is no compose file: --apply compose alone would fail, so it is offered with the file.
  'USAGE:apply-unknown': {
    hint: (d) =>
      `choose one: --compose-file FILE (the compose file, relative to the project directory: psql in its running db container, no password needed), ${withoutCompose(d)}. envkit never edits only ${String(d.envName)}: the database would keep the old password`,
  },
  'USAGE:apply-compose-no-file': {
    message: (d) => `--apply compose: no compose file in ${String(d.dir)}`,
    hint: () => 'give it with --compose-file, run envkit in the directory of the compose file (-C), or use --apply direct',
  },
  'TOOL:compose-not-found': { hint: () => "install podman-compose (apt-get install podman-compose), name it with --compose-cmd 'docker compose', or use --apply direct" },
  'TOOL:compose-missing': { hint: () => "install podman-compose (apt-get install podman-compose) or name the command with --compose-cmd, e.g. --compose-cmd 'docker compose'" },
  'USAGE:compose-syntax': { hint: (d) => `\`envkit check\` lists the problem; or choose: ${choices(d)}` },
  'USAGE:service-unknown': { hint: (d) => `name the database service with --service, or choose: ${choices(d)}` },
  'USAGE:name-invalid': { message: (d) => `${NAME_FLAGS[String(d.option)] ?? String(d.option)}: ${JSON.stringify(d.name)} is not a compose service name` },
  'USAGE:not-database-password': { hint: (d) => `rotate it in the env file only: \`envkit rotate ${String(d.key)}\` without --apply` },
  'USAGE:restart-without-apply': {
    message: (d) => `--apply none and --restart cannot be combined: the app would be recreated with a new ${String(d.key)} the database does not have`,
    hint: () => 'with --apply none, change the password in the database yourself and then recreate the app; or let envkit change it: --apply compose or --apply direct',
  },
  'USAGE:restart-environment': {
    message: (d) => `--restart cannot recreate the app from environment ${String(d.environment)}: the app reads it as it is deployed (its env file or envkit run)`,
    hint: (d) => `rotate without --restart, deploy environment ${String(d.environment)} again where the app runs (\`envkit decrypt --env ${String(d.environment)} --force\`), then recreate the app container`,
  },
  'USAGE:restart-env-not-loaded': {
    message: (d) => {
      const files = list(d.envFiles);
      const from = files.length === 0 ? 'with no env_file' : `from ${files.join(', ')} (its env_file)`;
      return `--restart would recreate ${String(d.appService)} ${from}, not from ${String(d.envName)}: it would come back with the old password`;
    },
    hint: (d) => `make ${String(d.appService)} load ${String(d.envName)} (env_file: ${String(d.envName)}) and rotate again with --restart; or rotate without --restart and restart the app with the new ${String(d.envName)} the way it runs`,
  },
  'USAGE:restart-no-compose-file': {
    message: (d) => `--restart recreates the app with compose, and there is no compose file in ${String(d.dir)}`,
    hint: () => 'rotate without --restart and restart the app the way it runs, or name its compose file with --compose-file FILE',
  },
  'USAGE:direct-host-unknown': {
    message: (d) => `--apply direct: no database URL in ${String(d.name)} to take the host from`,
    hint: () => 'give the host with --db-host (and --db-port)',
  },
  'DATABASE:unreachable': { hint: () => 'check that the database is running and --db-host/--db-port (memu does not publish 5432 by default; --apply compose needs no port)' },
  'DATABASE:current-password-empty': {
    message: (d) => `${String(d.key)} is empty in ${String(d.name)}: --apply direct logs in with the current password`,
    hint: () => 'use --apply compose, which needs no password',
  },
  'ROTATION:test-unreachable': { hint: () => 'check that the database is running and --db-host/--db-port' },
  // compose outside a rotation: `check --compose`, `status`
  'FILE:compose-file-missing': { hint: () => 'give the right path with --compose' },
  'USAGE:no-compose-file': { hint: () => 'run it in the directory of the compose file (-C), or name the files with --compose-file' },
  'TOOL:no-compose-command': { hint: () => "install podman-compose (apt-get install podman-compose) or name it with --compose-cmd 'docker compose'" },
  // rotation: the values and the pending file
  'FILE:env-missing': {
    hint: (d) =>
      d.environment === undefined
        ? 'run `envkit init` first'
        : `create it with \`envkit set --env ${String(d.environment)} KEY=VALUE\` or \`envkit encrypt --env ${String(d.environment)} --from FILE\``,
  },
  'VALIDATION:login-incomplete': {
    hint: (d) =>
      // init fills in the defaults of the env file only; an environment gets them with set (the scope adds --env).
      d.environment === undefined
        ? `set ${list(d.keys).join(' and ')} (e.g. \`envkit init\` fills in the defaults)`
        : `set ${list(d.keys).join(' and ')}: \`envkit set ${list(d.keys).map((k) => `${k}=...`).join(' ')}\` (\`envkit schema\` shows the defaults)`,
  },
  'ROTATION:other-key-pending': { hint: (d) => `finish it first: \`${rotate(d, String(d.pendingKey))}\`; then rotate ${String(d.key)}` },
  'ROTATION:other-value-pending': { hint: (d) => `finish it first: run \`${rotate(d)}\` without a new value; then rotate again with yours` },
  'ROTATION:abort-other-key': { hint: (d) => `abort it with \`${rotate(d, String(d.pendingKey))} --abort\`, or finish it with \`${rotate(d, String(d.pendingKey))}\`` },
  'REFUSED:already-applied': finishInstead,
  'REFUSED:unknown': finishInstead,
  'ROTATION:pending-unreadable': { hint: () => PENDING_UNREADABLE },
  // set, unset, rotate in the env file
  'REFUSED:external': { hint: externalHint },
  'USAGE:rotate-not-secret': {
    message: (d) => `${String(d.key)} is not a secret: \`envkit rotate\` makes new secrets`,
    hint: (d) => `change it with \`envkit set ${String(d.key)}=...\``,
  },
  'USAGE:rotate-derived': { hint: () => 'e.g. `envkit rotate POSTGRES_PASSWORD`' },
  'USAGE:no-generator': {
    message: (d) => `${String(d.key)} has no generator; give the new value with --stdin`,
    hint: (d) => `\`envkit rotate ${String(d.key)} --stdin\` asks for it (the input hidden), or reads it from a pipe`,
  },
  // age keys: a post-quantum one, and how this CLI makes an X25519 one
  'CRYPTO:recipient-invalid': { message: (d) => `${String(d.where)}: ${String(d.problem).replace(/\(age-keygen\)$/, d.postQuantum ? '(age-keygen, or `envkit identity`)' : '(age-keygen)')}` },
  'CRYPTO:identity-invalid': {
    // `envkit identity` makes an X25519 one, unless it would read this one again: the personal file (see the hint),
    // or the keyring's, which --no-keyring leaves for a new one in the file (read first from then on).
    message: (d) =>
      `${String(d.where)}: ${String(d.problem)}${!d.postQuantum || d.personal !== undefined ? '' : d.where === 'keyring' ? ' or `envkit identity --no-keyring` (a file)' : ' or `envkit identity`'}`,
    // The personal file: `envkit identity` reads it (and fails) until it is moved away; age-keygen -o will not overwrite it.
    hint: (d) => {
      if (d.personal === undefined) return undefined;
      const [from, to] = [shellWord(String(d.personal)), shellWord(`${String(d.personal)}.unusable`)];
      return `move it away (\`mv -i ${from} ${to}\`), then \`envkit identity\` creates a new X25519 one: have its recipient added to each environment by someone who can read it`;
    },
  },
  // loading and validating values
  'FILE:load-missing': { hint: () => 'run `envkit init` to create it' },
  'VALIDATION:invalid-values': { hint: () => 'each issue names the fix; `envkit check` lists them too' },
  // init
  'VALIDATION:init-given-invalid': {
    hint: (d) => {
      const keys = list(d.keys);
      return `give ${keys.length === 1 ? 'it a valid value' : 'each a valid value'} with --set ${keys.length === 1 ? `${keys[0]!}=...` : 'KEY=...'}, or leave ${keys.length === 1 ? 'it' : 'them'} out for init to fill in (a default or a generated secret, where the schema has one); nothing was written`;
    },
  },
  'REFUSED:init-rotation-pending': { hint: () => 'finish it first: run the same `envkit rotate` command again' },
  'REFUSED:secret-lost': {
    hint: (d) => {
      const key = String(d.key);
      return `bring the old value back (\`envkit restore --force\` from the keyring, or \`envkit init --set ${key}=...\`), or rotate it properly with \`envkit rotate ${key}\``;
    },
  },
  // keyring
  'FILE:backup-env-missing': { hint: () => 'run `envkit init` to create it, or `envkit restore` to rebuild it from the keyring' },
  'REFUSED:env-damaged': { hint: (d) => `rebuild it with \`envkit restore --force\`; the damaged file is kept as ${String(d.kept)} (mode 0600)` },
  'REFUSED:env-incomplete': { hint: (d) => `rebuild it from the keyring with \`envkit restore --force\` (a copy of the current file is kept as ${String(d.kept)})` },
  'KEYRING:nothing-stored': {
    hint: (d) =>
      `the default project id comes from the directory (${String(d.dir)}); if the project moved or the id was set, pass it with --project or ENVKIT_PROJECT; \`envkit keyring status\` shows what is stored`,
  },
  'UNKNOWN_KEY:unknown-key': listVariables,
  'UNKNOWN_KEY:url-unknown': listVariables,
  'VALIDATION:restore-invalid': { hint: () => 'nothing was written; `envkit keyring status` shows what the keyring holds (check the project id)' },
  'REFUSED:unwritable': {
    hint: (d) => {
      const keys = list(d.keys);
      return `nothing was written; \`envkit keyring forget ${keys.join(' ')} --yes\` drops ${keys.length === 1 ? 'it' : 'them'} from the keyring, after which restore gives back the rest`;
    },
  },
};


/** An error's hint as the CLI says it (where a command shows a library error's hint on its own). */
export function hintOf(error: EnvkitError): string | undefined {
  return wordError(error).hint;
}

/**
 * An error as the CLI says it: the library's message and hint, or the CLI's words for its reason; then the
 * flag for its reason, if any (withFlagHint), at the end. `scope`: what the command worked on (the file, the
 * schema, the environment), which the fixes of its issues name.
 */
export function wordError(error: EnvkitError, scope: FixScope = {}): { message: string; hint: string | undefined; issues: ErrorIssue[] } {
  const issues = error.issues.map((issue) => wordIssue(issue, scope));
  // A rotation that stopped at a step: the step's own error, worded, then the state and the way on.
  if (error.reason === 'stopped') {
    const d = error.data;
    const cause = isEnvkitError(error.cause) ? error.cause : undefined;
    const inner = cause ? wordMessage(cause) : error.message.slice(error.message.indexOf(': ') + 2);
    const causeHint = cause ? ownHint(cause) : undefined;
    const hint = `${causeHint ? `${causeHint}. ` : ''}${String(d.state)}; run \`${rotate(d)}\` again to finish the rotation: it resumes from there`;
    return { message: `rotation of ${String(d.key)} stopped at step "${String(d.step)}": ${inner}`, hint: scoped(withFlagHint(hint, cause?.reason), scope), issues };
  }
  // Not a recipient: the command is for someone who can read the environment, with their own identity.
  if (error.reason === 'not-recipient') return { message: wordMessage(error), hint: scoped(notRecipientHint(error, scope), withoutIdentities(scope)), issues };
  return { message: wordMessage(error), hint: scoped(withFlagHint(ownHint(error), error.reason), scope), issues };
}

/** Not a recipient, decrypting with key files: the recipient to be added is the key file's (`envkit identity` would make and show another). */
function notRecipientHint(error: EnvkitError, scope: FixScope): string | undefined {
  const files = scope.keyFiles ?? [];
  if (files.length === 0) return ownHint(error);
  const environment = error.data.environment === undefined ? 'NAME' : String(error.data.environment);
  const shown = files.map((f) => `\`age-keygen -y ${shellWord(f)}\``).join(', ');
  return `ask someone who can read it to add the key's recipient: \`envkit recipients add --env ${environment} <age1… recipient>\` (${shown} prints it)`;
}

function scoped(hint: string | undefined, scope: FixScope): string | undefined {
  return hint === undefined ? undefined : scopeCommands(hint, scope);
}

function wordsOf(error: EnvkitError): Words | undefined {
  return error.reason === undefined ? undefined : WORDS[`${error.code}:${error.reason}`];
}

function wordMessage(error: EnvkitError): string {
  return wordsOf(error)?.message?.(error.data) ?? error.message;
}

/**
 * The hint in the CLI's words, before any flag for the reason: this table's (where it has one); a rotation that did not start
 * says its cause's hint, worded, and that nothing changed; else the library's hint.
 */
function ownHint(error: EnvkitError): string | undefined {
  // This table's hint, unless it has none for this error's data (then the others below).
  const worded = wordsOf(error)?.hint?.(error.data);
  if (worded !== undefined) return worded;
  const { unchangedStore, unchangedKey } = error.data;
  if (unchangedStore !== undefined && isEnvkitError(error.cause)) {
    const cause = ownHint(error.cause);
    return `${cause ? `${cause}; ` : ''}nothing was changed: ${String(unchangedStore)} and the database keep the current ${String(unchangedKey)}`;
  }
  if (error.reason === 'partly-written' && isEnvkitError(error.cause)) {
    const cause = libraryHint(error.cause);
    return cause ? `${cause}; then run \`envkit init\` again: it keeps every value already written` : 'run `envkit init` again once it is fixed: it keeps every value already written';
  }
  return libraryHint(error);
}

/** The library's hint, in this CLI's words where the library leaves the command to it (HINTS). */
function libraryHint(error: EnvkitError): string | undefined {
  const hint = error.reason === undefined ? undefined : HINTS[`${error.code}:${error.reason}`]?.hint;
  return hint ? hint(error.data) : error.hint;
}

/**
 * An issue as the CLI says it: `no-value` (a setting the keyring never held) says how to give it, `unknown-key`
 * where to see the variables.
 */
export function wordIssue(given: ErrorIssue, scope: FixScope = {}): ErrorIssue {
  const issue = issueWithFix(given, scope);
  if (issue.reason === 'unknown-key') return { ...issue, message: `${issue.message}; see ${scopeCommands('`envkit schema`', scope)}` };
  if (issue.reason !== 'no-value' || issue.key === undefined) return issue;
  return { ...issue, message: `${issue.message}; give it with --set ${issue.key}=VALUE` };
}

/** A rotation step's detail as the CLI says it: why it was skipped, with the flag that decides it. */
export function stepDetail(step: Pick<RotationStep, 'detail' | 'reason'>): string {
  if (step.reason === 'apply-none') return `--apply none: ${step.detail}`;
  if (step.reason === 'not-proven') return `${step.detail}; give --db-host/--db-port for a login test`;
  return step.detail;
}
