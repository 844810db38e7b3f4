import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EnvkitError, isEnvkitError, parseDocument, type EnvSchema } from 'envkit';
import { assertNotLockedOut, environmentPaths, privateCopy, readEnvironmentText, readRecipients, replaceEnvironmentText } from 'envkit/age';
import { runValues } from 'envkit/project';
import type { Context } from '../context.js';
import { environmentOptions } from '../age-options.js';
import { renderKeys, renderFiles } from '../render/summary.js';
import { issueWithFix } from '../render/value-fix.js';

/**
 * `envkit edit --env NAME`: the environment, decrypted, in `$VISUAL`/`$EDITOR` on a 0600 file in a private
 * 0700 directory; on save it is validated (syntax and schema), re-encrypted and the copy removed. Refused,
 * with nothing written, when the editor fails or leaves another file beside the copy (a swap or backup file
 * holds the plaintext too); on a terminal an invalid file can be edited again.
 */
export async function run(ctx: Context): Promise<number> {
  const options = await environmentOptions(ctx, 'edit');
  const paths = environmentPaths(options.cwd, options.name);
  // Refused before the editor opens, not after what was typed in it: an environment with no recipients, or
  // none of whom is here (the save would be refused the same way, and the text lost with the private copy).
  // Decrypted in between: someone who cannot read it is told that, not that they would lock themselves out.
  const listed = readRecipients(paths);
  const before = (await readEnvironmentText(paths, options.identities.map((i) => i.identity))) ?? '';
  assertNotLockedOut(paths, listed, options.identities.map((i) => i.recipient));
  const editor = ctx.io.env.VISUAL || ctx.io.env.EDITOR || 'vi';
  const copy = privateCopy(before, `.env.${options.name}`, ctx.io.env);
  try {
    for (;;) {
      const code = await runEditor(editor, copy.file, ctx.io.env);
      const strays = copy.strays();
      if (strays.length > 0) {
        throw new EnvkitError('REFUSED', `the editor left ${strays.join(', ')} beside the file: a copy of the plaintext; nothing was changed and the copies are removed`, {
          hint: 'turn off swap and backup files for this edit, e.g. EDITOR="vim -n -i NONE --cmd \'set nobackup nowritebackup\'" envkit edit --env ' + options.name,
        });
      }
      if (code === 126 || code === 127) throw editorMissing(editor, code, ctx.io.env, options.name);
      if (code !== 0) throw new EnvkitError('TOOL', `the editor (${editor.split(/\s+/)[0]}) exited with ${code}; nothing was changed`, { hint: 'save and quit normally to keep your changes' });
      const text = copy.read();
      if (text === before) {
        ctx.out(`no change: .env.${options.name}.age was not rewritten`);
        return 0;
      }
      const problems = validate(text, options.schema, options.name);
      if (problems.length === 0) {
        const result = await replaceEnvironmentText({ ...options, text, source: `.env.${options.name}` });
        if (ctx.json) ctx.printJson({ ok: true, ...result });
        else {
          renderKeys(ctx, result.keys);
          renderFiles(ctx, [result.file]);
        }
        return 0;
      }
      for (const p of problems) ctx.err(`  - ${p}`);
      if (!(await askAgain(ctx))) {
        throw new EnvkitError('VALIDATION', `the edited environment is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'} above); nothing was changed`, {
          hint: `run \`envkit edit --env ${options.name}\` again`,
        });
      }
    }
  } finally {
    copy.remove();
  }
}

/**
 * Syntax problems and keys assigned twice (file:line), then schema problems (by key, derived values recomputed
 * first); never a value. A second assignment made in an editor is a slip (a line added where one was meant
 * to change), and which one counts would be read nowhere but in the file: it is one more thing to edit.
 */
function validate(text: string, schema: EnvSchema, environment: string): string[] {
  const name = `.env.${environment}`;
  const doc = parseDocument(text);
  const syntax = doc.problems.map((p) => `${name}:${p.line}:${p.column}: ${p.message}`);
  if (syntax.length > 0) return syntax;
  try {
    runValues(schema, doc, name, `envkit check --env`);
    return [];
  } catch (error) {
    if (isEnvkitError(error, 'VALIDATION')) return error.issues.map((i) => issueWithFix(i, { environment }).message);
    throw error;
  }
}

function runEditor(editor: string, file: string, env: NodeJS.ProcessEnv): Promise<number> {
  // Through sh, as git runs $EDITOR: it may hold arguments ("code --wait").
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${editor} "$1"`, 'envkit-edit', file], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(signal ? 128 : (code ?? 0)));
  });
}

/**
 * The shell's 127 (not found) or 126 (not executable): no editor ran, so saving and quitting is no way out; the
 * variable that named it is.
 */
function editorMissing(editor: string, code: number, env: NodeJS.ProcessEnv, name: string): EnvkitError {
  const from = env.VISUAL ? 'VISUAL' : env.EDITOR ? 'EDITOR' : undefined;
  const problem = code === 127 ? 'was not found' : 'cannot be run';
  return new EnvkitError('TOOL', `the editor (${editor.split(/\s+/)[0]}${from === undefined ? ', the default' : ` from ${from}`}) ${problem}; nothing was changed`, {
    hint: `set ${from ?? 'VISUAL or EDITOR'} to an editor that is installed, then run \`envkit edit --env ${name}\` again`,
  });
}

/** On a terminal: edit again (Enter) or give up (n). Elsewhere: give up. */
async function askAgain(ctx: Context): Promise<boolean> {
  if (ctx.io.stdin.isTTY !== true) return false;
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question('Edit again? [Y/n] ', resolve));
    return !/^n/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
