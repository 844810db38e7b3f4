// What envkit prints is what happened: a dry run says "would", a failure says why, and a command or flag it
// suggests exists and does what it says when run as written. Each case here was once untrue.
import { describe, it, expect } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testdir } from '../helpers/testdir.js';
import { envkit, envkitShell, initProject, readEnv, rotations, type CliResult } from './support.js';
import { HAS_AGE, ageProject, memuEnvText } from '../age/support.js';
import { requireTool } from '../helpers/require.js';
import { SECRET_SERVICE_INSTALL, hasSecretService, withSecretService } from '../helpers/secret-service.js';

const MEMU = fileURLToPath(new URL('../../examples/memu/', import.meta.url));
const hasGit = requireTool('git', spawnSync('git', ['--version']).status === 0, 'apt-get install -y git');
const hasKeyring = process.platform === 'linux' && requireTool('Secret Service (gnome-keyring)', hasSecretService(), SECRET_SERVICE_INSTALL);

/** A directory with these files of the memu example: its .env.example and compose file, or only the first (no compose file). */
function memuDir(files: readonly string[] = ['.env.example', 'docker-compose.yml']): string {
  const dir = testdir();
  for (const file of files) copyFileSync(join(MEMU, file), join(dir, file));
  return dir;
}

/** A {@link memuDir} initialised without the keyring. */
async function memuProject(args: string[] = [], files?: readonly string[]): Promise<{ dir: string; init: CliResult }> {
  const dir = memuDir(files);
  return { dir, init: await initProject(dir, ['--no-keyring', ...args]) };
}

describe('the fix of an unusable keyring names only flags the command has', () => {
  // No D-Bus session bus here (the CLI runs with a clean environment): the keyring is unusable at once.
  for (const command of [['backup'], ['restore'], ['keyring', 'status'], ['keyring', 'forget', '--yes']]) {
    it(`${command.join(' ')} works on the keyring itself: its fix is the repair, not --no-keyring (which it does not take)`, async () => {
      const { dir } = await memuProject();
      const result = await envkit(dir, command);
      expect(result.code, result.all).toBe(3);
      expect(result.all).toMatch(/fix:? +start a session bus and a keyring for this shell: `dbus-run-session -- \$SHELL`/);
      expect(result.all).not.toContain('--no-keyring');
      // The flag the fix used to name: refused.
      expect((await envkit(dir, [...command, '--no-keyring'])).stderr).toContain("unknown option '--no-keyring'");
    });
  }

  it('init --keyring: its fix names --no-keyring, and init with it does the work without the keyring', async () => {
    const dir = memuDir(['.env.example']);
    const required = await envkit(dir, ['init', '--no-input', '--keyring']);
    expect(required.code, required.all).toBe(3);
    expect(required.stderr).toMatch(/fix: .*; or run with --no-keyring to do without the keyring$/m);
    const without = await envkit(dir, ['init', '--no-input', '--no-keyring']);
    expect(without.code, without.all).toBe(0);
    expect(existsSync(join(dir, '.env'))).toBe(true);
  });
});

describe('init --set KEY=VALUE with an invalid value, before there is an env file', () => {
  it('names no command that needs the env file (rotate, set): the way out is another value or none; left out, init succeeds', async () => {
    const dir = memuDir(['.env.example']);
    const refused = await envkit(dir, ['init', '--no-input', '--no-keyring', '--set', 'POSTGRES_PASSWORD=short', '--set', 'MEMU_MEMORY_LIMIT=lots']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ {2}- POSTGRES_PASSWORD: must be at least 32 characters \(got 5\)$/m);
    // `envkit rotate POSTGRES_PASSWORD` as printed said ".env does not exist: run envkit init first".
    expect(refused.stderr).not.toMatch(/envkit (rotate|set)/);
    expect(refused.stderr).toContain('  fix: give each a valid value with --set KEY=..., or leave them out for init to fill in');
    expect(existsSync(join(dir, '.env'))).toBe(false);
    const rotate = await envkit(dir, ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']);
    expect(rotate.stderr).toContain('.env does not exist');
    expect((await envkit(dir, ['init', '--no-input', '--no-keyring', '--set', 'MEMU_MEMORY_LIMIT=3g'])).code).toBe(0);
  });
});

describe("init's next step is for what it wrote", () => {
  it('init -f FILE: the check it names, run as written, checks FILE (there is no .env)', async () => {
    const { dir, init } = await memuProject(['-f', 'prod.env']);
    const next = /^Next: (envkit check[^,]*), then /m.exec(init.stdout)?.[1];
    expect(next, init.stdout).toBeDefined();
    const checked = await envkitShell(dir, next!);
    expect(checked.code, `${next}:\n${checked.all}`).toBe(0);
    expect(checked.stdout).toMatch(/^ok: .*\(memu schema; prod\.env \+ docker-compose\.yml\)$/m);
    expect(existsSync(join(dir, '.env'))).toBe(false);
  });
});

describe.runIf(hasKeyring)("restore's next step is for what it wrote", () => {
  it('restore -f FILE: the check its Next line names, run as written, checks FILE; a dry run names no next step and writes nothing', async () => {
    await withSecretService(async (keyring) => {
      const env = { DBUS_SESSION_BUS_ADDRESS: keyring.address };
      const dir = memuDir();
      const init = await envkit(dir, ['-f', 'prod.env', 'init', '--no-input', '--keyring'], { env });
      expect(init.code, init.all).toBe(0);
      rmSync(join(dir, 'prod.env'));
      const dry = await envkit(dir, ['-f', 'prod.env', 'restore', '--dry-run'], { env });
      expect(dry.code, dry.all).toBe(0);
      expect(dry.stdout).toMatch(/^ {2}prod\.env would be created; it was missing$/m);
      expect(dry.stdout).toContain('Nothing was written (dry run)');
      expect(dry.stdout).not.toMatch(/^Next/m);
      expect(existsSync(join(dir, 'prod.env'))).toBe(false);
      const restored = await envkit(dir, ['-f', 'prod.env', 'restore'], { env });
      expect(restored.code, restored.all).toBe(0);
      const next = /^Next: (envkit check.*)\.$/m.exec(restored.stdout)?.[1];
      expect(next, restored.stdout).toBeDefined();
      const checked = await envkitShell(dir, next!, env);
      expect(checked.code, `${next}:\n${checked.all}`).toBe(0);
      expect(checked.stdout).toMatch(/^ok: .*\(memu schema; prod\.env \+ docker-compose\.yml\)$/m);
      expect(existsSync(join(dir, '.env'))).toBe(false);
    });
  });
});

describe('example --check and gitignore --check: the command they print is for the file and directory checked', () => {
  it('-f prod.env: run as written, they write prod.env.example and the ignore rules of prod.env; then both checks pass', async () => {
    const dir = memuDir(['.env.example']);
    writeFileSync(join(dir, 'prod.env'), memuEnvText(), { mode: 0o600 });
    const example = await envkit(dir, ['-f', 'prod.env', 'example', '--check']);
    expect(example.code).toBe(1);
    expect(example.stdout).toMatch(/^prod\.env\.example is missing$/m);
    const gitignore = await envkit(dir, ['-f', 'prod.env', 'gitignore', '--check']);
    expect(gitignore.code).toBe(1);
    for (const [out, pattern] of [[example.stdout, /^ {2}fix: run `([^`]+)`$/m], [gitignore.stdout, /\(run `([^`]+)`\)$/m]] as const) {
      const command = pattern.exec(out)?.[1];
      expect(command, out).toBeDefined();
      await runs(dir, command!);
    }
    expect((await envkit(dir, ['-f', 'prod.env', 'example', '--check'])).stdout).toBe('prod.env.example is up to date\n');
    expect((await envkit(dir, ['-f', 'prod.env', 'gitignore', '--check'])).code).toBe(0);
  });

  it('-C DIR: they say the command is for DIR, and there it works', async () => {
    const parent = testdir();
    const dir = join(parent, 'memu');
    mkdirSync(dir);
    writeFileSync(join(dir, '.env'), memuEnvText(), { mode: 0o600 });
    const gitignore = await envkit(parent, ['-C', 'memu', 'gitignore', '--check']);
    expect(gitignore.stdout).toMatch(/\(run `envkit gitignore` in memu\/\)$/m);
    const example = await envkit(parent, ['-C', 'memu', 'example', '--check']);
    expect(example.stdout).toMatch(/^ {2}fix \(in memu\/\): run `envkit example`$/m);
    await runs(dir, 'envkit gitignore && envkit example');
    expect((await envkit(parent, ['-C', 'memu', 'gitignore', '--check'])).code).toBe(0);
    expect((await envkit(parent, ['-C', 'memu', 'example', '--check'])).code).toBe(0);
  });
});

describe('get -f FILE where FILE does not exist', () => {
  it('says the file does not exist, and promises no copy of a file that is not there', async () => {
    const { dir } = await memuProject();
    const result = await envkit(dir, ['-f', 'prod.evn', 'get', 'POSTGRES_PASSWORD']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^envkit: POSTGRES_PASSWORD has no value in prod\.evn, which does not exist, and no default$/m);
    expect(result.stderr).toMatch(/^ {2}fix: bring it back from the keyring with `envkit restore -f prod\.evn --force`, or /m);
    expect(result.stderr).not.toContain('a copy of the current file is kept');
    // A file that exists and lacks the value: as before.
    const present = await envkit(dir, ['get', 'OPENROUTER_API_KEY']);
    expect(present.stderr).toMatch(/^envkit: OPENROUTER_API_KEY has no value in \.env and no default$/m);
  });
});

describe.runIf(hasKeyring)('keyring status and backup: the backup and restore they name reach the same keyring entries', () => {
  // -f FILE: another env file is another project id; --project ID: the entries of a moved project.
  for (const [globals, file] of [[['-f', 'prod.env'], 'prod.env'], [['--project', 'truth-moved-project'], '.env']] as const) {
    it(`${globals.join(' ')}: run as written, they copy ${file} into the keyring and rebuild ${file}`, async () => {
      await withSecretService(async (keyring) => {
        const env = { DBUS_SESSION_BUS_ADDRESS: keyring.address };
        const dir = memuDir(['.env.example']);
        const run = (args: string[], input?: string) => envkit(dir, [...globals, ...args], { env, ...(input === undefined ? {} : { input }) });
        const init = await run(['init', '--no-input', '--keyring']);
        expect(init.code, init.all).toBe(0);
        // A secret in the file that the keyring does not have.
        const set = await run(['set', '--no-keyring', '--stdin', 'OPENROUTER_API_KEY'], 'sk-or-v1-truthRouterKeyH5jK8nM2qS6uW9');
        expect(set.code, set.all).toBe(0);
        const behind = await run(['keyring', 'status']);
        const name = file.replace('.', '\\.');
        const backup = new RegExp(`^Copy ${name} into the keyring with (envkit backup.*) \\(OPENROUTER_API_KEY\\)\\.$`, 'm').exec(behind.stdout)?.[1];
        expect(backup, behind.stdout).toBeDefined();
        const backedUp = await envkitShell(dir, backup!, env);
        expect(backedUp.code, `${backup}:\n${backedUp.all}`).toBe(0);
        expect((await run(['keyring', 'status'])).stdout).toMatch(new RegExp(`^ {2}OPENROUTER_API_KEY +stored, same as ${name}$`, 'm'));
        const restore = new RegExp(`Rebuild a lost ${name} with (envkit restore.*)\\.$`, 'm').exec(backedUp.stdout)?.[1];
        expect(restore, backedUp.stdout).toBeDefined();
        rmSync(join(dir, file));
        const missing = await run(['keyring', 'status']);
        expect(missing.stdout).toContain(`Rebuild ${file} with ${restore!}.`);
        const restored = await envkitShell(dir, restore!, env);
        expect(restored.code, `${restore}:\n${restored.all}`).toBe(0);
        expect(readFileSync(join(dir, file), 'utf8')).toMatch(/^OPENROUTER_API_KEY=sk-or-v1-truthRouterKeyH5jK8nM2qS6uW9$/m);
      });
    });
  }
});

describe('rotate --apply none --dry-run', () => {
  it('says what would happen, not that the database "was NOT changed" by a rotation that made no password; nothing written', async () => {
    const { dir } = await memuProject();
    const before = readFileSync(join(dir, '.env'), 'utf8');
    const result = await envkit(dir, ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--dry-run', '--no-keyring']);
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/^  apply +skipped +--apply none: the database would NOT be changed$/m);
    expect(result.stdout).toContain('The database would NOT be changed (--apply none): you would set the new password of the database role yourself');
    expect(result.stdout).not.toMatch(/was NOT changed|^set the new password/m);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, '.env.envkit-pending'))).toBe(false);
  });
});

describe.runIf(HAS_AGE)('unset --env NAME of a key the environment does not have', () => {
  it('exits 1 and says which key is not in which environment, as unset of the env file does', async () => {
    const p = await ageProject(memuEnvText());
    const result = await p.run(['unset', '--env', 'production', 'MEMU_MEMROY_LIMIT']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('envkit: MEMU_MEMROY_LIMIT is not in environment production: nothing to remove\n');
    const some = await p.run(['unset', '--env', 'production', 'MEMU_MEMORY_LIMIT', 'MEMU_MEMROY_LIMIT']);
    expect(some.code).toBe(1);
    expect(some.stderr).toBe('envkit: MEMU_MEMROY_LIMIT is not in environment production: nothing to remove (the others were removed)\n');
    expect(some.stdout).toMatch(/^ {2}MEMU_MEMORY_LIMIT +removed/m);
  });
});

describe.runIf(HAS_AGE)('recipients remove --env NAME of a name not on the list', () => {
  it('the list it points to, run as written, lists the recipients of that environment', async () => {
    const p = await ageProject(memuEnvText());
    const refused = await p.run(['recipients', 'remove', '--env', 'production', 'bob']);
    expect(refused.code, refused.all).not.toBe(0);
    const command = /^ {2}fix: see `([^`]+)` for the recipients/m.exec(refused.stderr)?.[1];
    expect(command, refused.stderr).toBeDefined();
    const listed = await envkitShell(p.dir, command!, p.env);
    expect(listed.code, `${command}:\n${listed.all}`).toBe(0);
    expect(listed.stdout).toMatch(/^age1\S+ +# alice$/m);
  });
});

describe.runIf(HAS_AGE)('edit --env NAME with an editor that is not there', () => {
  it('says the editor was not found and which variable named it (not "save and quit normally"); the edit it names then works', async () => {
    const p = await ageProject(memuEnvText());
    const missing = await p.run(['edit', '--env', 'production'], { env: { EDITOR: '/nonexistent/editor' } });
    expect(missing.code, missing.all).toBe(3);
    expect(missing.stderr).toContain('envkit: the editor (/nonexistent/editor from EDITOR) was not found; nothing was changed\n');
    const command = /^ {2}fix: set EDITOR to an editor that is installed, then run `([^`]+)` again$/m.exec(missing.stderr)?.[1];
    expect(command, missing.stderr).toBeDefined();
    const editor = join(testdir(), 'editor');
    writeFileSync(editor, "#!/bin/sh\nsed -i 's/^MEMU_MEMORY_LIMIT=.*/MEMU_MEMORY_LIMIT=3g/' \"$1\"\n", { mode: 0o755 });
    const edited = await envkitShell(p.dir, command!, { ...p.env, EDITOR: editor });
    expect(edited.code, `${command}:\n${edited.all}`).toBe(0);
    expect((await p.run(['get', '--env', 'production', 'MEMU_MEMORY_LIMIT'])).stdout.trim()).toBe('3g');
  });
});

describe.runIf(HAS_AGE)('check --env NAME --compose/--online, refused: the check it prints is of the env file decrypt writes', () => {
  // --env NAME, or ENVKIT_ENV in the shell that then runs the fix.
  for (const [how, args, env] of [['--env', ['--env', 'production'], {}], ['ENVKIT_ENV', [], { ENVKIT_ENV: 'production' }]] as const) {
    it(`named with ${how}: decrypt, then the check, run as written, checks .env with the compose file`, async () => {
      const p = await ageProject(memuEnvText(), 'production', { 'docker-compose.yml': readFileSync(join(MEMU, 'docker-compose.yml'), 'utf8') });
      const online = await p.run(['check', ...args, '--online'], { env });
      expect(online.code, online.all).toBe(2);
      // Not run here (it would reach the database host and Ollama): it names no environment again.
      expect(online.stderr).toMatch(/^ {2}fix: on the host: `envkit decrypt --env production`, then `(?:ENVKIT_ENV= )?envkit check --online`$/m);
      const refused = await p.run(['check', ...args, '--compose', 'docker-compose.yml'], { env });
      expect(refused.code, refused.all).toBe(2);
      const commands = [...(/^ {2}fix: (.*)$/m.exec(refused.stderr)?.[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      expect(commands, refused.stderr).toHaveLength(2);
      for (const command of commands) {
        const ran = await envkitShell(p.dir, command, { ...p.env, ...env });
        expect(ran.code, `${command}:\n${ran.all}`).toBe(0);
        expect(ran.stderr).not.toContain('check --env checks the environment itself');
      }
      expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(memuEnvText());
    });
  }
});

describe('check -f FILE of an unfinished rotation', () => {
  it('the rotate it prints, run as written, resumes the rotation of FILE, not one of .env', async () => {
    const { dir } = await memuProject(['-f', 'prod.env']);
    // A rotation stopped at its apply step (nothing listens on port 1): prod.env.envkit-pending remains.
    const stopped = await envkit(dir, ['-f', 'prod.env', 'rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', '--db-host', '127.0.0.1', '--db-port', '1', '--no-keyring']);
    expect(stopped.code, stopped.all).toBe(3);
    expect(existsSync(join(dir, 'prod.env.envkit-pending'))).toBe(true);
    const check = await envkit(dir, ['-f', 'prod.env', 'check', '--json']);
    const findings = (JSON.parse(check.stdout) as { findings: { rule: string; fix?: string }[] }).findings;
    const fix = findings.find((f) => f.rule === 'rotation.pending')?.fix ?? '';
    const command = /^(envkit rotate [^(]*?) \(finishes it/.exec(fix)?.[1];
    expect(command, JSON.stringify(findings)).toBeDefined();
    const resumed = await envkitShell(dir, command!);
    // The database is still unreachable: it stops at apply again, but resuming prod.env's rotation.
    expect(resumed.stdout, resumed.all).toMatch(/^ {2}pending +already done +resuming the rotation started .* from prod\.env\.envkit-pending$/m);
    expect(existsSync(join(dir, '.env')), 'the fix worked on .env').toBe(false);
  });
});

describe('rotate -f FILE --json of a rotation that stopped', () => {
  it("the hint's command, run as written, resumes FILE's rotation, as the text's does", async () => {
    const { dir } = await memuProject(['-f', 'prod.env']);
    const stopped = await envkit(dir, ['-f', 'prod.env', 'rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', '--db-host', '127.0.0.1', '--db-port', '1', '--no-keyring', '--json']);
    expect(stopped.code, stopped.all).toBe(3);
    const hint = (JSON.parse(stopped.stdout) as { error: { hint: string } }).error.hint;
    const command = /run `([^`]+)` again to finish the rotation/.exec(hint)?.[1];
    expect(command, hint).toBeDefined();
    const resumed = await envkitShell(dir, command!);
    expect(resumed.stdout, resumed.all).toMatch(/^ {2}pending +already done +resuming the rotation started .* from prod\.env\.envkit-pending$/m);
    expect(existsSync(join(dir, '.env')), 'the hint worked on .env').toBe(false);
  });
});

describe.runIf(hasGit)("guard's fixes, run as written in the project directory", () => {
  it('a staged env file of a project in a subdirectory: git rm and gitignore -f as printed untrack it and make git ignore it', async () => {
    const repo = testdir();
    const dir = join(repo, 'deploy');
    mkdirSync(dir);
    copyFileSync(join(MEMU, '.env.example'), join(dir, '.env.example'));
    await initProject(dir, ['--no-keyring']);
    copyFileSync(join(dir, '.env'), join(dir, '.env.local'));
    await runs(repo, 'git init -q . && git add -f deploy/.env.local');
    const blocked = await envkit(dir, ['guard', '--no-keyring']);
    expect(blocked.code, blocked.all).toBe(1);
    const fix = /^ +fix: (git rm [^(]*?) \(the file stays on disk\), then `([^`]+)` so git ignores it$/m.exec(blocked.stdout);
    expect(fix, blocked.stdout).not.toBeNull();
    for (const line of [fix![1]!, fix![2]!]) await runs(dir, line);
    expect((await envkit(dir, ['guard', '--no-keyring'])).code).toBe(0);
    await runs(dir, 'git check-ignore -q .env.local');
  });

  it('guard -f FILE: the gitignore and the rotation it prints are of FILE', async () => {
    const { dir } = await memuProject(['-f', 'prod.env']);
    rmSync(join(dir, 'docker-compose.yml'));
    writeFileSync(join(dir, 'notes.txt'), `${readFileSync(join(dir, 'prod.env'), 'utf8').match(/^POSTGRES_PASSWORD=.*$/m)![0]}\n`);
    await runs(dir, 'git init -q . && git add -f prod.env notes.txt');
    const blocked = await envkit(dir, ['-f', 'prod.env', 'guard', '--no-keyring']);
    expect(blocked.code, blocked.all).toBe(1);
    const gitignore = /then `(envkit gitignore[^`]*)` so git ignores it$/m.exec(blocked.stdout)?.[1];
    expect(gitignore, blocked.stdout).toBeDefined();
    await runs(dir, `git rm -q --cached -- prod.env && ${gitignore!}`);
    await runs(dir, 'git check-ignore -q prod.env');
    const rotate = /^ +fix: replace it .* rotate it: `(envkit rotate[^`]*)`$/m.exec(blocked.stdout)?.[1];
    expect(rotate, blocked.stdout).toBeDefined();
    // As printed, shown as a dry run that needs no database: it is the rotation of prod.env.
    const dry = await envkitShell(dir, `${rotate!} --apply none --dry-run`);
    expect(dry.code, dry.all).toBe(0);
    expect(dry.stdout).toMatch(/^ {2}write +skipped +would write POSTGRES_PASSWORD and MEMU_DB_URL together to prod\.env$/m);
  });

  it('a committed .env.staging that still holds its values (none of .env): the rotation it prints is of .env.staging, and works as printed', async () => {
    const { dir } = await memuProject();
    await initProject(dir, ['-f', '.env.staging', '--no-keyring']);
    const before = readFileSync(join(dir, '.env'), 'utf8');
    await runs(dir, 'git init -q . && git add -f .env.staging && git -c user.email=t@t -c user.name=t commit -qm leak');
    const blocked = await envkit(dir, ['guard', '--history', '--no-keyring']);
    expect(blocked.code, blocked.all).toBe(1);
    expect(blocked.stdout).toMatch(/^error +\.env\.staging +\.env\.staging is a plaintext env file \(commit [0-9a-f]{12}\): .*; \.env\.staging still holds the committed value of POSTGRES_PASSWORD, MEMU_DB_URL$/m);
    // It said "rotate every secret it held", naming none (its values are not .env's, the file searched).
    const rotate = rotations(blocked.stdout);
    expect(rotate).toEqual(['envkit rotate -f .env.staging POSTGRES_PASSWORD']);
    const password = readEnv(dir, '.env.staging').POSTGRES_PASSWORD;
    // As printed (with --apply none: no database here): .env.staging gets a new password, .env is left alone.
    await runs(dir, `${rotate[0]!} --apply none --no-keyring`);
    expect(readEnv(dir, '.env.staging').POSTGRES_PASSWORD).not.toBe(password);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(before);
    const after = await envkit(dir, ['guard', '--history', '--no-keyring']);
    expect(after.stdout).not.toContain('envkit rotate');
    // Committed again: the finding still names the first commit, and the rotation of the values the file holds now.
    await runs(dir, 'git add -f .env.staging && git -c user.email=t@t -c user.name=t commit -qm again');
    const again = await envkit(dir, ['guard', '--history', '--no-keyring']);
    expect([...again.stdout.matchAll(/`(envkit rotate [^`]*)`/g)].map((m) => m[1]!), again.stdout).toEqual(['envkit rotate -f .env.staging POSTGRES_PASSWORD']);
  });
});

describe('the restart a rotation asks for, and the start init asks for, are for how the app runs here', () => {
  /** A memu project without a compose file (the app started some other way), initialised without the keyring. */
  const withoutCompose = () => memuProject([], ['.env.example']);

  it('no compose file: init and rotate say the app must start with the new .env and name no compose command, which cannot work here', async () => {
    const { dir, init } = await withoutCompose();
    // It said "then start the stack (`podman-compose up -d`)": podman-compose finds no compose file here.
    expect(init.stdout).toMatch(/^Next: envkit check, then start the app with \.env \(there is no compose file here: start it the way it runs\)\.$/m);
    const rotated = await envkit(dir, ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']);
    expect(rotated.code, rotated.all).toBe(0);
    // It said "Next: recreate the app container so it reads the new .env:\n  podman-compose up -d --force-recreate memu".
    expect(rotated.stdout).toMatch(/^ {2}restart +skipped +not run: once the database has the new password, the app must be restarted with the new \.env \(no compose file here: restart it the way it runs\)$/m);
    expect(rotated.stdout).toMatch(/\nNext: restart the app so it reads the new \.env \(there is no compose file here: restart it the way it runs\)\.\n$/);
    for (const out of [init.stdout, rotated.stdout]) expect(out).not.toContain('podman-compose');
    const json = JSON.parse((await envkit(dir, ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring', '--json'])).stdout) as { restart: Record<string, unknown> };
    expect(json.restart).toEqual({ ran: false });
    // --restart would run that command: refused before anything changes.
    const before = readFileSync(join(dir, '.env'), 'utf8');
    const restart = await envkit(dir, ['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', '--restart', '--no-keyring']);
    expect(restart.code, restart.all).toBe(2);
    expect(restart.stderr).toMatch(/^envkit: --restart recreates the app with compose, and there is no compose file in /m);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, '.env.envkit-pending'))).toBe(false);
    // With memu's compose file, both name its command as before.
    copyFileSync(join(MEMU, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
    expect((await initProject(dir, ['--no-keyring'])).stdout).toMatch(/then start the stack \(`podman-compose up -d`\)\.$/m);
    const composed = await envkit(dir, ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']);
    expect(composed.stdout).toMatch(/\nNext: recreate the app container so it reads the new \.env:\n {2}podman-compose up -d --force-recreate memu\n$/);
  });

  it('rotate -f prod.env: says the app reads the new prod.env only where the compose file loads it (memu\'s loads .env)', async () => {
    const { dir } = await memuProject(['-f', 'prod.env']);
    const rotated = await envkit(dir, ['-f', 'prod.env', 'rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']);
    expect(rotated.code, rotated.all).toBe(0);
    // It said "recreate the app container so it reads the new prod.env": memu's env_file is .env.
    expect(rotated.stdout).not.toContain('so it reads the new prod.env');
    expect(rotated.stdout).toMatch(/^Next: the app must be restarted with the new prod\.env, but its service in the compose file loads \.env \(env_file\), not prod\.env: .* Make it load prod\.env \(env_file: prod\.env\), then recreate it:$/m);
    expect(rotated.stdout).toMatch(/^ {2}restart +skipped +not run: .*service memu of the compose file loads \.env \(env_file\), not prod\.env/m);
    const json = JSON.parse((await envkit(dir, ['-f', 'prod.env', 'rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring', '--json'])).stdout) as { restart: Record<string, unknown> };
    expect(json.restart).toEqual({ command: 'podman-compose up -d --force-recreate memu', ran: false, loadsEnvFile: false, envFiles: ['.env'] });
    // Once the compose file loads prod.env, the advice says so.
    const compose = join(dir, 'docker-compose.yml');
    writeFileSync(compose, readFileSync(compose, 'utf8').replaceAll('env_file: .env', 'env_file: prod.env'));
    const loaded = await envkit(dir, ['-f', 'prod.env', 'rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']);
    expect(loaded.stdout).toMatch(/\nNext: recreate the app container so it reads the new prod\.env:\n {2}podman-compose up -d --force-recreate memu\n$/);
  });

  it('rotate -f prod.env --restart where the compose file loads .env: refused before anything changes', async () => {
    // It used to change the password, recreate the app from .env and only then fail its check of the container
    // (restart-unconfirmed), the app left with the old password.
    const { dir } = await memuProject(['-f', 'prod.env']);
    const before = readFileSync(join(dir, 'prod.env'), 'utf8');
    // Nothing listens on port 1: had it got as far as the database, it would say so.
    const refused = await envkit(dir, ['-f', 'prod.env', 'rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', '--db-host', '127.0.0.1', '--db-port', '1', '--restart', '--no-keyring']);
    expect(refused.code, refused.all).toBe(2);
    expect(refused.stderr).toMatch(/^envkit: --restart would recreate memu from \.env \(its env_file\), not from prod\.env: it would come back with the old password\n {2}fix: make memu load prod\.env \(env_file: prod\.env\)/);
    expect(readFileSync(join(dir, 'prod.env'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'prod.env.envkit-pending'))).toBe(false);
    // An app service with no env_file at all: said so, not "from  (its env_file)".
    const compose = join(dir, 'docker-compose.yml');
    writeFileSync(compose, readFileSync(compose, 'utf8').replace(/^ *env_file: \.env\n/gm, ''));
    const bare = await envkit(dir, ['-f', 'prod.env', 'rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', '--db-host', '127.0.0.1', '--db-port', '1', '--restart', '--no-keyring']);
    expect(bare.code, bare.all).toBe(2);
    expect(bare.stderr).toMatch(/^envkit: --restart would recreate memu with no env_file, not from prod\.env: /);
    expect(readFileSync(join(dir, 'prod.env'), 'utf8')).toBe(before);
  });
});

describe('set of a key the file does not have yet', () => {
  it('says it was added (would be added in a dry run), in text and --json; a key it had is updated', async () => {
    const dir = testdir();
    writeFileSync(join(dir, '.env'), 'MEMU_MEMORY_LIMIT=2g\n', { mode: 0o600 });
    // It said "DB_MEMORY_LIMIT  would be updated", then "updated": the file had no DB_MEMORY_LIMIT.
    const dry = await envkit(dir, ['set', 'DB_MEMORY_LIMIT=1g', '--dry-run']);
    expect(dry.stdout).toMatch(/^ {2}DB_MEMORY_LIMIT +would be added\b/m);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('MEMU_MEMORY_LIMIT=2g\n');
    const json = await envkit(dir, ['set', 'DB_MEMORY_LIMIT=1g', 'MEMU_MEMORY_LIMIT=3g', '--json']);
    expect(json.code, json.all).toBe(0);
    expect((JSON.parse(json.stdout) as { keys: { key: string; action: string }[] }).keys.map((k) => `${k.key}:${k.action}`)).toEqual(['DB_MEMORY_LIMIT:added', 'MEMU_MEMORY_LIMIT:updated']);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toMatch(/^DB_MEMORY_LIMIT=1g$/m);
    // A derived value the file lacked is derived, as init says it; the parts new to the file are added.
    const parts = await envkit(dir, ['set', '--force', '--no-keyring', 'POSTGRES_USER=u', 'POSTGRES_DB=d', 'POSTGRES_PASSWORD=abcdefghijklmnopqrstuvwxyz0123456789']);
    expect(parts.stdout).toMatch(/^ {2}POSTGRES_USER +added\b/m);
    expect(parts.stdout).toMatch(/^ {2}MEMU_DB_URL +derived +secret$/m);
    expect(parts.stdout).not.toMatch(/^ {2}[A-Z_]+ +updated/m);
  });

  it.runIf(HAS_AGE)('set --env NAME: the same in an encrypted environment', async () => {
    const p = await ageProject('MEMU_MEMORY_LIMIT=2g\n');
    const set = await p.run(['set', '--env', 'production', 'DB_MEMORY_LIMIT=1g', 'MEMU_MEMORY_LIMIT=3g']);
    expect(set.code, set.all).toBe(0);
    expect(set.stdout).toMatch(/^ {2}DB_MEMORY_LIMIT +added\b/m);
    expect(set.stdout).toMatch(/^ {2}MEMU_MEMORY_LIMIT +updated\b/m);
    expect((await p.run(['get', '--env', 'production', 'DB_MEMORY_LIMIT'])).stdout.trim()).toBe('1g');
  });
});

describe('the labels of unset and encrypt are what the file holds', () => {
  it('unset of a key neither the schema nor the file has does not call it a secret; one the schema has keeps its label', async () => {
    const { dir } = await memuProject();
    const result = await envkit(dir, ['unset', 'NOPE_KEY', 'OPENAI_API_KEY', '--json']);
    expect(result.code).toBe(1);
    // It said "NOPE_KEY  missing  secret" ("secret": true): a key nobody defined, with no value anywhere.
    expect((JSON.parse(result.stdout) as { keys: unknown[] }).keys).toEqual([
      { key: 'NOPE_KEY', action: 'missing', secret: false },
      { key: 'OPENAI_API_KEY', action: 'removed', secret: true },
    ]);
    const text = await envkit(dir, ['unset', 'NOPE_KEY']);
    expect(text.stdout).toMatch(/^ {2}NOPE_KEY +missing *$/m);
  });

  it.runIf(HAS_AGE)('encrypt --from FILE: an empty value is missing, not given', async () => {
    const p = await ageProject('MEMU_MEMORY_LIMIT=2g\n');
    const source = join(testdir(), 'source.env');
    writeFileSync(source, 'MEMU_MEMORY_LIMIT=2g\nOPENAI_API_KEY=\nDB_MEMORY_LIMIT=1g\n');
    const encrypted = await p.run(['encrypt', '--env', 'production', '--from', source]);
    expect(encrypted.code, encrypted.all).toBe(0);
    // It said "OPENAI_API_KEY  given  secret" of a line with no value.
    expect(encrypted.stdout).toMatch(/^ {2}OPENAI_API_KEY +missing +secret$/m);
    expect(encrypted.stdout).toMatch(/^ {2}DB_MEMORY_LIMIT +given *$/m);
  });
});

describe.runIf(hasGit && HAS_AGE)('guard: a leaked value of an encrypted environment', () => {
  it('the rotation it prints names the environment (--env NAME), and run as written rotates the value there', async () => {
    const p = await ageProject(memuEnvText());
    const password = (await p.run(['get', '--env', 'production', 'POSTGRES_PASSWORD', '--reveal'])).stdout.trim();
    expect(password.length).toBeGreaterThan(8);
    writeFileSync(join(p.dir, 'notes.txt'), `db password: ${password}\n`);
    await runs(p.dir, 'git init -q . && git add notes.txt');
    const blocked = await p.run(['guard', '--no-keyring']);
    expect(blocked.code, blocked.all).toBe(1);
    expect(blocked.stdout).toMatch(/the value of POSTGRES_PASSWORD is in notes\.txt/);
    // It said `envkit rotate POSTGRES_PASSWORD`: a rotation of .env, which does not exist here (nor holds this value).
    const rotate = /^ +fix: replace it .* rotate it: `(envkit rotate[^`]*)`$/m.exec(blocked.stdout)?.[1];
    expect(rotate, blocked.stdout).toBe('envkit rotate --env production POSTGRES_PASSWORD');
    // As printed, shown as a dry run that needs no database: it is the rotation of the environment.
    const dry = await envkitShell(p.dir, `${rotate!} --apply none --dry-run`, p.env);
    expect(dry.code, dry.all).toBe(0);
    expect(dry.stdout).toMatch(/^ {2}write +skipped +would write POSTGRES_PASSWORD and MEMU_DB_URL together to \.env\.production\.age$/m);
    // The same value in .env too (decrypted there): both places are named.
    writeFileSync(join(p.dir, '.env'), memuEnvText(), { mode: 0o600 });
    const both = await p.run(['guard', '--no-keyring']);
    expect(both.stdout).toMatch(/rotate it: `envkit rotate POSTGRES_PASSWORD` and `envkit rotate --env production POSTGRES_PASSWORD`$/m);
  });
});

/** Runs `line` through the shell (with envkit) in `dir`; the test fails, with what it printed, unless it exits 0. */
async function runs(dir: string, line: string): Promise<void> {
  const ran = await envkitShell(dir, line);
  expect(ran.code, `\`${line}\` failed:\n${ran.all}`).toBe(0);
}
