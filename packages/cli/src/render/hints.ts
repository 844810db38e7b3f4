import type { Finding, FindingHint, HeldAt } from 'envkit';
import { shellWord } from 'envkit/project';
import { withFlagHint } from '../db-security.js';
import { valueFixText } from './value-fix.js';
import { optionsForEnvironment, optionsForFile, scopeCommands, scopeOptions, type FixScope } from './fix-scope.js';

type KeyTarget = Omit<Extract<FindingHint, { code: 'set-portable' }>, 'code'>;
type RotateTarget = Extract<FindingHint, { code: 'guard-secret-value' }>['rotate'];

// The CLI's words for what the library reports as data: a finding's `hint` (an error's `reason`: reasons.ts).
// The library names no flag and no `envkit` command; these are the command lines a user of this CLI runs.

/**
 * The fix of a finding with a hint, as this CLI words it, its envkit commands with the options of `scope` (the
 * file, the schema, the encrypted environment the finding is about).
 */
export function hintFix(hint: FindingHint, scope: FixScope = {}): string {
  const { environment } = scope;
  const env = scopeOptions(scope);
  switch (hint.code) {
    case 'replace-and-rotate':
      return `replace it with \${${hint.key}}; then, if the file was ever shared, ${rotateFix(hint.rotate, env)}`;
    case 'published-database-port':
      return 'fine for `envkit check --online` / `rotate --apply direct`; remove it when no longer needed';
    case 'rewrite-unquoted':
      return `give ${hint.key} a value that needs no quotes (letters, digits and _-.:/@%+=~ need none), then \`envkit set${env} ${hint.key}=...\` writes it bare`;
    case 'database-inside-compose':
      return 'give --db-host/--db-port (a published port or the container address), or run `envkit status`, which logs in through the container';
    case 'ask-from-app':
      return 'run `envkit status`: it asks Ollama from inside the app container';
    case 'database-login-failed':
      return 'is the db container up and its port reachable from here? use --db-host/--db-port; if the password was refused, .env and the database disagree (see `envkit rotate --help`)';
    case 'set-unknown':
      return `run \`envkit set${env} --allow-unknown ${hint.key}=...\` with its value, or give it a default in the compose file: \${${hint.key}:-value}`;
    case 'finish-rotation':
      return `if a rotation is pending, finish it: envkit rotate ${hint.key}${env}`;
    case 'create-env':
      return `run \`envkit init${env}\``;
    case 'write-defaults':
      if (environment !== undefined) return scopeCommands('run `envkit edit` and add it with its default (`envkit schema` shows it; envkit init writes defaults into .env only)', scope);
      return `run \`envkit init${env}\` to write the default into the file`;
    case 'rewrite-duplicate': {
      const unknown = hint.inSchema ? '' : ' --allow-unknown';
      return `run \`envkit get${env} ${hint.key} --reveal${unknown} | envkit set${env} ${hint.key} --stdin${setFlags(hint)}\`: it keeps the value every reader uses now (the last one) in one assignment`;
    }
    case 'set-portable':
      return `run \`envkit set${env}${setFlags(hint)} ${hint.key}=...\` with the value you mean: envkit writes it in a form every reader reads the same`;
    case 'sync-gitignore':
      return `run \`envkit gitignore${env}\``;
    case 'untrack-env':
      return `run \`git rm --cached ${shellWord(hint.file)}\` (the file stays on disk) and commit that; then rotate ${hint.rotate.length === 0 ? 'every secret it held' : `what it holds: ${hint.rotate.map((t) => `\`${rotateCommand(t, env)}\``).join(', ')}`}, since it stays in the history`;
    case 'write-example':
      return `run \`envkit example${env}\``;
    case 'pending-unreadable':
      return PENDING_UNREADABLE;
    case 'resume-rotation': {
      // The environment of the pending file, else the file and schema checked (-f, --schema): another env file has no rotation to resume.
      const command = `envkit rotate ${hint.key}${environment === undefined && hint.environment !== undefined ? ` --env ${hint.environment}` : env}`;
      return hint.applied ? command : `${command} (finishes it; or \`${command} --abort\` while the database does not have it yet)`;
    }
    case 'add-recipient':
      return `envkit recipients add --env ${hint.environment}`;
    case 'strip-url-credentials':
      return `remove them: \`envkit set${env} ${shellWord(`${hint.key}=${hint.value}`)}\` (give the service its credentials another way)`;
    case 'confirm-default':
      return hint.value === undefined
        ? `run \`envkit set${env} ${hint.key}=...\` with this deployment's value`
        : `run \`envkit set${env} ${shellWord(`${hint.key}=${hint.value}`)}\` if that is right for this deployment, or set its own value the same way`;
    case 'guard-env-file': {
      // gitignore -f FILE makes git ignore FILE (plain, .env): the staged file, whichever env file the guard read.
      const gitignore = `envkit gitignore${hint.file === '.env' ? '' : ` -f ${shellWord(hint.file)}`}`;
      if (hint.commit === undefined) return `git rm --cached -- ${shellWord(hint.file)} (the file stays on disk), then \`${gitignore}\` so git ignores it`;
      // Each secret where its value is held now: the plaintext of an encrypted environment is rotated with --env NAME.
      const commands = hint.rotate.flatMap((t) => heldOptions(t, env, scope, hint.file).map((options) => rotateCommand(t, options)));
      return historyFix(hint.commit, commands.length === 0 ? 'rotate every secret it held' : `rotate what it held: ${commands.map((c) => `\`${c}\``).join(', ')}`);
    }
    case 'guard-secret-value': {
      // Rotated where it is held: each encrypted environment whose value it is (--env NAME), and the env file.
      const rotate = rotateFix(hint.rotate, heldOptions(hint, env, scope));
      if (hint.commit !== undefined) return historyFix(hint.commit, rotate);
      return `replace it with a reference (\${${hint.key}}) or remove it, then \`git add -- ${shellWord(hint.file)}\`; if it was ever pushed, ${rotate}`;
    }
    case 'fix-value':
      return valueFixText(hint.key, hint.fix, scope);
    case 'example-secret': {
      const rotate = rotateFix(hint.rotate, heldOptions(hint, env, scope));
      if (hint.commit !== undefined) return `empty it (\`envkit example\` rewrites the example from the schema); ${historyFix(hint.commit, rotate)}`;
      return `empty it: \`envkit example\` rewrites the example from the schema, then \`git add -- ${shellWord(hint.file)}\`; if the value is real and was pushed, ${rotate}`;
    }
  }
}

/** What a pending file that cannot be read may hold, and how to save it. */
export const PENDING_UNREADABLE =
  'it may hold the only copy of a new password the database already accepts: do not delete it blindly. ' +
  'It is a small JSON file ("key", "value"); check whether the database accepts "value", put the accepted ' +
  'password into the env file with `envkit set`, then remove the file';

/** The flags `envkit set` needs for `key`: --force for a value that also lives elsewhere, --allow-unknown outside the schema. */
function setFlags(target: KeyTarget): string {
  return !target.inSchema ? ' --allow-unknown' : target.external ? ' --force' : '';
}

/** `envkit rotate KEY`, with the options of the scope (`env`: -f, --schema, --env) and --stdin when the new value comes from its issuer. */
function rotateCommand(target: RotateTarget, env: string): string {
  return `envkit rotate${env} ${target.key}${target.given ? ' --stdin' : ''}`;
}

/**
 * The options of `envkit rotate` for each place that holds a leaked secret (`held`): the env file (`env`: the
 * options of the file and schema checked) unless `plain` is false, each encrypted environment (--env NAME), and
 * the committed env file `file` (-f FILE, and the schema) where it still holds it.
 */
function heldOptions(held: HeldAt, env: string, scope: FixScope, file?: string): string[] {
  return [
    ...(held.plain === false ? [] : [env]),
    ...(held.environments ?? []).map((name) => optionsForEnvironment(scope, name)),
    ...(held.stillInFile === true && file !== undefined ? [optionsForFile(scope, file)] : []),
  ];
}

/**
 * The rotation advice for a leaked secret, with a command that works as written: one per place (`env`: its
 * options) that holds it; none when nothing here holds it (no env file, no environment this user can open).
 */
function rotateFix(target: RotateTarget, env: string | readonly string[]): string {
  const places = typeof env === 'string' ? [env] : env;
  if (places.length === 0) return `rotate ${target.key} where it is used (there is no env file here and no encrypted environment you can open)`;
  const commands = places.map((options) => `\`${rotateCommand(target, options)}\``).join(' and ');
  if (!target.given) return `rotate it: ${commands}`;
  return `rotate it: get a new ${target.key} from its issuer, then ${commands} (the value on standard input)`;
}

/** How to undo a committed leak: rewrite the commit if it is local, rotate once it was pushed. */
function historyFix(commit: string, then: string): string {
  return `it is in commit ${commit.slice(0, 12)}: if that commit was never pushed, rewrite it (git rebase -i, or git commit --amend for the last one) without the file or value; once pushed, ${then}`;
}

/**
 * `findings` (for `scope`: what the command worked on) with the fix of each hinted one in this
 * CLI's words, and the flag for a finding's `reason` added to its fix (withFlagHint), for the text and the --json
 * output alike. A value's fix that is not one command line
 * (set its parts…) reads as part of the message, as it always has.
 */
export function wordFindings<F extends Finding>(findings: readonly F[], scope: FixScope = {}): F[] {
  return findings.map((finding) => {
    const worded = wordHint(finding, scope);
    const fix = withFlagHint(worded.fix, worded.reason);
    return fix === worded.fix ? worded : { ...worded, fix };
  });
}

/** `finding` with its hint, if any, in this CLI's words. */
function wordHint<F extends Finding>(finding: F, scope: FixScope): F {
  if (finding.hint === undefined) return finding;
  const fix = hintFix(finding.hint, scope);
  // Which command wrote the default is this CLI's to say.
  if (finding.hint.code === 'confirm-default') {
    const message = `${finding.hint.key} holds the schema's default, which envkit init wrote without asking: it is one deployment's value, not checked for this one`;
    return { ...finding, message, fix };
  }
  if (finding.hint.code !== 'fix-value' || fix.startsWith('run `')) return { ...finding, fix };
  return { ...finding, message: `${finding.message}; ${fix}` };
}
