import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/require.js';
import { testdir } from '../helpers/testdir.js';
import { snapshot } from '../reliability/support.js';
import { CANARY, HAS_AGE, SECRETS, ageDecrypt, ageProject, findLeak, keygen, memuEnvText, watchPlaintext } from './support.js';

/** An "editor": a shell script that gets the file as $1, records what it saw, and runs `body`. */
function editor(body: string): { command: string; log: string } {
  const dir = testdir();
  const log = join(dir, 'log');
  const script = join(dir, 'editor.sh');
  writeFileSync(script, `#!/bin/sh\nset -e\nf="$1"\nstat -c '%a %n' "$f" "$(dirname "$f")" > ${log}\n${body}\n`);
  chmodSync(script, 0o755);
  return { command: script, log };
}

describe.runIf(requireTool('age', HAS_AGE, 'apt-get install age'))('envkit edit (built CLI)', () => {
  it('opens a 0600 copy in a private 0700 directory, validates, re-encrypts and removes the copy; no plaintext in the project', async () => {
    const p = await ageProject();
    const ed = editor(`sed -i 's/^POSTGRES_DB=.*/POSTGRES_DB=edited_db/' "$f"`);
    const watcher = watchPlaintext([p.dir]);
    const result = await p.run(['edit', '--env', 'production'], { env: { EDITOR: ed.command } });
    const seen = watcher.stop();
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/POSTGRES_DB +updated/);
    expect(result.stdout).toMatch(/MEMU_DB_URL +updated +secret +recomputed from its parts/);
    const [file, dir] = readFileSync(ed.log, 'utf8').trim().split('\n');
    expect(file).toMatch(/^600 .*\/envkit-edit-[^/]+\/\.env\.production$/);
    expect(dir).toMatch(/^700 /);
    // The private directory is in the test's runtime dir (XDG_RUNTIME_DIR), and gone.
    expect(file).toContain(p.env.XDG_RUNTIME_DIR as string);
    expect(readdirSync(p.env.XDG_RUNTIME_DIR as string)).toEqual([]);
    expect(seen.plaintext).toEqual([]);
    expect(ageDecrypt(p.identityFile, join(p.dir, '.env.production.age')).text).toBe(memuEnvText().replaceAll('memu_db', 'edited_db'));
    expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
  });

  it('refuses when the editor leaves a swap or backup copy; removes every copy; nothing written', async () => {
    const p = await ageProject();
    for (const body of [`cp "$f" "$(dirname "$f")/.env.production.swp"`, `cp "$f" "$f~"; echo X=1 >> "$f"`]) {
      const before = snapshot(p.dir);
      const result = await p.run(['edit', '--env', 'production'], { env: { EDITOR: editor(body).command } });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/the editor left \.env\.production(\.swp|~) beside the file: a copy of the plaintext; nothing was changed and the copies are removed/);
      expect(snapshot(p.dir)).toEqual(before);
      expect(readdirSync(p.env.XDG_RUNTIME_DIR as string)).toEqual([]);
    }
  });

  it('an invalid edit or a failing editor changes nothing (not on a terminal: no second chance)', async () => {
    const p = await ageProject();
    const before = snapshot(p.dir);
    const invalid = await p.run(['edit', '--env', 'production'], { env: { EDITOR: editor(`sed -i 's/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=bad%Zq8Lm2Vx7Kp4Wn9RtYu/' "$f"`).command } });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/POSTGRES_PASSWORD/);
    expect(invalid.stderr).toMatch(/the edited environment is not valid .*nothing was changed/);
    expect(invalid.all).not.toContain('Zq8Lm2Vx7Kp4Wn9RtYu');
    const syntax = await p.run(['edit', '--env', 'production'], { env: { EDITOR: editor(`printf 'BROKEN LINE\\n' >> "$f"`).command } });
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/\.env\.production:12:1: not a KEY=value assignment/);
    // A second assignment of a key (a line added where one was meant to change) is refused too.
    const twice = await p.run(['edit', '--env', 'production'], { env: { EDITOR: editor(`printf 'POSTGRES_DB=second_db\\n' >> "$f"`).command } });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/\.env\.production:12:1: POSTGRES_DB is assigned again \(first at line \d+\); every reader uses the last assignment; remove the others/);
    const failing = await p.run(['edit', '--env', 'production'], { env: { EDITOR: editor('exit 4').command } });
    expect(failing.code).toBe(3);
    expect(failing.stderr).toMatch(/exited with 4; nothing was changed/);
    expect(snapshot(p.dir)).toEqual(before);
    expect(readdirSync(p.env.XDG_RUNTIME_DIR as string)).toEqual([]);
    expect(existsSync(join(p.dir, '.env.production'))).toBe(false);
    expect(findLeak(p.outputs.join('\n'), [...SECRETS, CANARY.POSTGRES_PASSWORD])).toBeUndefined();
  });

  it('an environment with no recipients, or none of them here: refused before the editor opens (what would be typed could not be saved); a non-recipient is told it cannot decrypt', async () => {
    const p = await ageProject();
    const stranger = testdir();
    expect((await p.run(['identity', '--no-keyring'], { env: { XDG_CONFIG_HOME: stranger } })).code).toBe(0);
    const cases: [string[], NodeJS.ProcessEnv, number, RegExp][] = [
      [['edit', '--env', 'staging'], {}, 3, /\.env\.staging\.recipients does not exist: nobody could decrypt environment staging\n {2}fix: add yourself first: `envkit recipients add --env staging`/],
      [['edit', '--env', 'production'], { XDG_CONFIG_HOME: stranger }, 3, /your identity cannot decrypt \.env\.production\.age: it was not encrypted to your recipient/],
    ];
    for (const [args, env, code, message] of cases) {
      const ed = editor('echo GREETING=hi >> "$f"');
      const before = snapshot(p.dir);
      const result = await p.run(args, { env: { ...env, EDITOR: ed.command } });
      expect(result.code, result.all).toBe(code);
      expect(result.stderr).toMatch(message);
      expect(existsSync(ed.log), 'the editor was opened').toBe(false);
      expect(snapshot(p.dir)).toEqual(before);
    }
    // A recipients list none of the identities here is on (the file still opens with yours): refused before the editor too.
    const list = join(p.dir, '.env.production.recipients');
    writeFileSync(list, `# someone else\n${keygen(testdir(), 'other.key').recipient}\n`);
    const ed = editor('echo GREETING=hi >> "$f"');
    const locked = await p.run(['edit', '--env', 'production'], { env: { EDITOR: ed.command } });
    expect(locked.code, locked.all).toBe(1);
    expect(locked.stderr).toMatch(/none of your identities would be a recipient of \.env\.production\.age: you would lock yourself out/);
    expect(existsSync(ed.log)).toBe(false);
  });
});
