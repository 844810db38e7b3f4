// `envkit rotate` end to end: the built CLI against a throw-away PostgreSQL, directly over TCP and through
// a stand-in compose that runs the real psql on the cluster's trusted socket.
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'envkit';
import { hasPostgres, startPostgres, type PgCluster } from './helpers/postgres.js';
import { requireTool } from './helpers/require.js';
import { envkit, ENVKIT_BIN, type CliResult } from './helpers/cli.js';
import { ptyAvailable, spawnPty } from './helpers/pty.js';
import { hasSecretService, SECRET_SERVICE_INSTALL, withSecretService } from './helpers/secret-service.js';
import { testdir } from './helpers/testdir.js';
import { COMPOSE_YAML, FAKE_COMPOSE, FAKES, echoingCompose, envValues, expectNoLeak as expectNoLeakIn, expectRotated, projectLogin, rotationProject, type RotationProject } from './helpers/rotation.js';


const withPostgres = requireTool('PostgreSQL (initdb)', hasPostgres(), 'apt-get install postgresql');

describe.runIf(withPostgres)('envkit rotate POSTGRES_PASSWORD', () => {
  let pg: PgCluster;

  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  type Project = RotationProject;
  const project = (options: { compose?: boolean; superuser?: boolean; encryption?: 'md5' } = {}) => rotationProject(pg, 'cli', options);
  const values = envValues;
  const login = (p: Project, password: string) => projectLogin(pg, p, password);
  const tcp = () => ['--db-host', pg.host, '--db-port', String(pg.port)];
  const expectNoLeak = (p: Project, secrets: string[]) => expectNoLeakIn(pg, p, secrets);

  /** expectRotated, and MEMU_DB_URL names the compose host with the new password; .env stays 0600. */
  async function expectFinished(p: Project): Promise<string> {
    const { next, url } = await expectRotated(pg, p);
    expect(url).toMatchObject({ user: p.user, password: next, database: p.db, host: 'db', port: 5432 });
    expect(statSync(join(p.dir, '.env')).mode & 0o777).toBe(0o600);
    return next;
  }

  it('--apply direct: old password refused, new accepted, MEMU_DB_URL logs in; the step list and the restart line', async () => {
    const p = await project();
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', ...tcp(), '--no-keyring']);
    expect(result.code, result.all).toBe(0);
    await expectFinished(p);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('envkit rotate POSTGRES_PASSWORD');
    for (const step of ['lock', 'pending', 'apply', 'test', 'write', 'finish']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${step} +done +\\S`, 'm'));
    }
    expect(result.stdout).toMatch(/^  restart +skipped +not run/m);
    expect(result.stdout).toContain('POSTGRES_PASSWORD and MEMU_DB_URL updated together in .env');
    // No compose file here. This asserted `podman-compose up -d --force-recreate memu` (memu's command) on purpose,
    // but run here it fails (podman-compose finds no compose file), and the app may run another way (podman run,
    // systemd): the line says what must happen and names no compose command (test/cli/truth.test.ts).
    expect(result.stdout).toMatch(/\nNext: restart the app so it reads the new \.env \(there is no compose file here: restart it the way it runs\)\.\n$/);
    expect(result.stdout).not.toContain('podman-compose');
    expect(result.stderr).toBe('');
  });

  it('compose (default when compose.yaml has db): psql through compose with the SQL on stdin, argv free of secrets', async () => {
    const p = await project({ compose: true, superuser: true });
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', FAKE_COMPOSE]);
    expect(result.code, result.all).toBe(0);
    const next = await expectFinished(p);
    expect(result.stdout).toMatch(/^  apply +done +ALTER ROLE "cli_user_\d+" with a SCRAM-SHA-256 verifier on stdin of psql in the db container \(confirmed by psql\)$/m);
    expect(result.stdout).toMatch(/^  test +done +the stored SCRAM verifier of role "cli_user_\d+" matches the new password/m);
    expect(result.stdout).toContain(`  ${FAKE_COMPOSE} up -d --force-recreate memu\n`);
    const log = readFileSync(p.log, 'utf8');
    // The db container is found by its labels and psql runs through podman exec: compose is not called.
    const ps = `argv: podman ps -a --filter label=com.docker.compose.service=db --filter label=com.docker.compose.project.working_dir=${realpathSync(p.dir)} --format json`;
    expect(log.match(/^argv: .*$/gm)).toEqual([
      ps,
      ps,
      `argv: podman exec -i fake-db psql -v ON_ERROR_STOP=1 -X -q -w -U ${p.user} -d ${p.db}`,
      ps,
      `argv: podman exec -i fake-db psql -v ON_ERROR_STOP=1 -X -q -w -A -t -U ${p.user} -d ${p.db}`,
    ]);
    // Neither the password nor its verifier went through argv or the environment.
    const stored = (await pg.psql(`SELECT rolpassword FROM pg_authid WHERE rolname = '${p.user}'`)).trim();
    for (const part of stored.split(/[$:]/).slice(2)) expect(log).not.toContain(part);
    expect(log).not.toContain(next);
  });

  it('--json reports every step and the restart command, never a value', async () => {
    const p = await project({ compose: true, superuser: true });
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', FAKE_COMPOSE, '--app-service', 'api', '--json']);
    expect(result.code, result.all).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; apply: string; database: string; steps: { name: string; status: string }[]; restart: { command: string; ran: boolean } };
    expect(report).toMatchObject({ ok: true, apply: 'compose', database: 'changed', restart: { command: `${FAKE_COMPOSE} up -d --force-recreate api`, ran: false } });
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'lock:done',
      'pending:done',
      'apply:done',
      'test:done',
      'write:done',
      'finish:done',
      'restart:skipped',
    ]);
    await expectFinished(p);
  });

  it('two running db containers: the flag the fix names picks the project, and the rotation given it finishes', async () => {
    const p = await project({ compose: true });
    const twice = { env: { ENVKIT_TEST_COMPOSE_TWICE: '1' } };
    const refused = await p.run(['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', FAKE_COMPOSE], twice);
    expect(refused.code, refused.all).not.toBe(0);
    expect(refused.stderr).toMatch(/2 running containers belong to service "db"/);
    const flag = /fix: [^\n]*? (--?[a-z][a-z-]*)/.exec(refused.stderr)?.[1];
    expect(flag, refused.stderr).toBeDefined();
    // The project's name as compose labels it: the compose file's directory.
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', FAKE_COMPOSE, flag!, 'project'], twice);
    expect(result.code, result.all).toBe(0);
    await expectFinished(p);
  });

  it('--dry-run shows the steps and changes nothing', async () => {
    const p = await project({ compose: true });
    const before = readFileSync(join(p.dir, '.env'), 'utf8');
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', FAKE_COMPOSE, '--dry-run']);
    expect(result.code, result.all).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('envkit rotate POSTGRES_PASSWORD (dry run: nothing is changed)');
    expect(result.stdout).toMatch(/^  apply +skipped +would run psql -U cli_user_\d+ -d cli_db_\d+ in the running db container with ALTER ROLE/m);
    expect(result.stdout).toMatch(/^  restart +skipped +then run `.*podman-compose --podman-path \S+ up -d --force-recreate memu`$/m);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(before);
    for (const file of ['.env.envkit-pending', '.env.envkit-lock', 'compose.log']) expect(existsSync(join(p.dir, file))).toBe(false);
    expect(await login(p, p.old)).toEqual({ ok: true });
    expectNoLeak(p, [p.old]);
  });

  it('refuses without a compose file and without --apply, explaining the choices that can work here', async () => {
    const p = await project();
    const before = readFileSync(join(p.dir, '.env'), 'utf8');
    for (const dryRun of [[], ['--dry-run']]) {
      const result = await p.run(['rotate', 'POSTGRES_PASSWORD', ...dryRun]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^envkit: no compose file in .*: say how to change the database password\n/);
      expect(result.stderr).toMatch(/fix: choose one: --compose-file FILE .*--apply direct .*--apply none \(change \.env only.*envkit never edits only \.env/);
      // There is no compose file: --apply compose would only be refused again.
      expect(result.stderr).not.toContain('--apply compose');
    }
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(before);
    expect(existsSync(join(p.dir, '.env.envkit-pending'))).toBe(false);
    expectNoLeak(p, [p.old]);
  });

  it('without a compose file, each choice the refusal offers, run as written, rotates', async () => {
    const refused = await (await project()).run(['rotate', 'POSTGRES_PASSWORD']);
    const fix = /^ {2}fix: choose one: (.*)$/m.exec(refused.stderr)?.[1];
    expect(fix, refused.stderr).toBeDefined();
    // Each choice is its flags, then why in parentheses: `--apply direct (connect …; add --db-host/--db-port)`.
    const choices = [...fix!.matchAll(/(?:^|\), )(--[a-z-]+ [A-Za-z]+) \(/g)].map((m) => m[1]!.split(' '));
    expect(choices.map(([flag]) => flag)).toEqual(['--compose-file', '--apply', '--apply']);
    for (const choice of choices) {
      const p = await project({ superuser: true });
      // The compose file elsewhere (FILE, relative to the project directory); the stand-in for podman-compose.
      const compose = choice[1] === 'FILE' ? ['--compose-cmd', FAKE_COMPOSE] : [];
      if (choice[1] === 'FILE') {
        mkdirSync(join(p.dir, 'deploy'));
        writeFileSync(join(p.dir, 'deploy', 'compose.yaml'), COMPOSE_YAML);
      }
      const args = choice.map((word) => (word === 'FILE' ? 'deploy/compose.yaml' : word));
      const result = await p.run(['rotate', 'POSTGRES_PASSWORD', ...args, ...compose, ...(choice[1] === 'direct' ? tcp() : []), '--no-keyring']);
      expect(result.code, `${args.join(' ')}:\n${result.all}`).toBe(0);
      if (choice[1] === 'none') {
        expect(values(p.dir).POSTGRES_PASSWORD).not.toBe(p.old);
        expect(await login(p, p.old)).toEqual({ ok: true });
      } else {
        await expectFinished(p);
      }
    }
  });

  it('renaming the role: the steps set POSTGRES_USER=... prints, taken in the order printed, leave an MD5 role renamed with a new password memu logs in with', async () => {
    const p = await project({ compose: true, superuser: true, encryption: 'md5' });
    const renamed = `${p.user}_new`;
    const refused = await p.run(['set', `POSTGRES_USER=${renamed}`]);
    expect(refused.code, refused.all).toBe(1);
    const fix = /^ {2}fix: (.*)$/m.exec(refused.stderr)?.[1] ?? '';
    // Each step where the fix says it, done in that order: the SQL as a superuser, the set again with --force, the rotation.
    const steps: [RegExp, () => Promise<unknown>][] = [
      [/ALTER ROLE <old> RENAME TO <new>;/, () => pg.psql(`ALTER ROLE "${p.user}" RENAME TO "${renamed}";`)],
      [/repeat with --force/, async () => expect((await p.run(['set', '--force', `POSTGRES_USER=${renamed}`])).code).toBe(0)],
      [/`envkit rotate POSTGRES_PASSWORD`/, async () => {
        const rotated = await p.run(['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', FAKE_COMPOSE, '--no-keyring']);
        expect(rotated.code, `rotate, as the fix says at its place:\n${rotated.all}`).toBe(0);
      }],
    ];
    for (const [at] of steps) expect(fix, `the fix names no step ${at}`).toMatch(at);
    steps.sort(([a], [b]) => fix.search(a) - fix.search(b));
    for (const [, step] of steps) await step();
    await expectFinished({ ...p, user: renamed });
  });

  it('--apply none changes .env only and says plainly that the database was not changed', async () => {
    const p = await project();
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'none']);
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/^  apply +skipped +--apply none: the database was NOT changed/m);
    expect(result.stdout).toContain('The database was NOT changed (--apply none)');
    const next = values(p.dir).POSTGRES_PASSWORD!;
    expect(next).not.toBe(p.old);
    expect(await login(p, p.old)).toEqual({ ok: true });
    expectNoLeak(p, [p.old, next]);
  });

  it('--stdin takes the new password from a pipe', async () => {
    const p = await project();
    const given = 'Given_password_from_stdin_0123456789';
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', '--stdin', '--apply', 'direct', ...tcp()], { input: `${given}\n` });
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/^  pending +done +new value given/m);
    expect(await expectFinished(p)).toBe(given);
  });

  it('keys that are not the database password stay file-only and need no --apply', async () => {
    const p = await project();
    const key = 'sk-rotated0123456789abcdefghij';
    const result = await p.run(['rotate', 'OPENAI_API_KEY', '--stdin'], { input: key });
    expect(result.code, result.all).toBe(0);
    expect(values(p.dir).OPENAI_API_KEY).toBe(key);
    expect(result.all).not.toContain(key);
    const refused = await p.run(['rotate', 'OPENAI_API_KEY', '--apply', 'direct']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/OPENAI_API_KEY is not the database password/);
    expect(await login(p, p.old)).toEqual({ ok: true });
  });

  it.runIf(ptyAvailable())('shows the steps progressing on a terminal', async () => {
    const p = await project({ compose: true, superuser: true });
    const session = spawnPty(p.dir, process.execPath, [ENVKIT_BIN, 'rotate', 'POSTGRES_PASSWORD', '--compose-cmd', FAKE_COMPOSE], {
      ...p.env,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
    });
    const { code, output } = await session.exited;
    expect(code, output).toBe(0);
    // Each step first shows "…" and is then redrawn in place with its mark.
    expect(output).toMatch(/…\S* apply +\S*changing the password/);
    for (const step of ['lock', 'pending', 'apply', 'test', 'write', 'finish']) {
      expect(output).toMatch(new RegExp(`\\r\\u001b\\[2K  \\S*✓\\S* ${step}`));
    }
    expect(output).toMatch(/-\S* restart +not run/);
    const next = values(p.dir).POSTGRES_PASSWORD!;
    expect(output).not.toContain(next);
    expect(output).not.toContain(p.old);
    await expectFinished(p);
  });

  it('exported variables are reported: compose would prefer them to .env', async () => {
    const p = await project();
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', ...tcp()], { env: { MEMU_DB_URL: 'postgresql+psycopg://x:stale-url-secret@db:5432/y' } });
    expect(result.code, result.all).toBe(0);
    expect(result.stderr).toMatch(/^warning: MEMU_DB_URL is exported in this environment; compose prefers an exported variable to \.env: unset MEMU_DB_URL/m);
    expect(result.all).not.toContain('stale-url-secret');
    await expectFinished(p);
  });

  it('without a keyring (no D-Bus here) the rotation finishes and says so once; --keyring refuses before anything changes', async () => {
    const p = await project();
    const before = readFileSync(join(p.dir, '.env'), 'utf8');
    const required = await p.run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', ...tcp(), '--keyring']);
    expect(required.code).toBe(3);
    expect(required.stderr).toMatch(/^envkit: OS keyring unavailable/m);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(before);
    expect(existsSync(join(p.dir, '.env.envkit-pending'))).toBe(false);

    const auto = await p.run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', ...tcp()]);
    expect(auto.code, auto.all).toBe(0);
    expect(auto.stderr.match(/^warning: OS keyring unavailable.*$/gm)).toHaveLength(1);
    await expectFinished(p);
  });

  it('--restart that fails with a compose echoing the container command: no password in any output, --json included', async () => {
    const p = await project({ compose: true, superuser: true });
    // Like podman-compose: the `podman create` line with every variable of .env as `-e`, then exit 125.
    const composeCmd = echoingCompose(p.dir);
    const urls = [values(p.dir).MEMU_DB_URL!];
    const plain = await p.run(['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', composeCmd, '--restart']);
    expect(plain.code, plain.all).toBe(3);
    expect(plain.stdout).toMatch(/^  restart +FAILED +`.*compose-echoing --podman-path \S+ up -d --force-recreate memu` failed \(exit 125\): .*-e POSTGRES_PASSWORD=<redacted>/m);
    expect(plain.stderr).toMatch(/^warning: restart: [^]*the rotation itself is finished/m);
    const middle = values(p.dir);
    urls.push(middle.MEMU_DB_URL!);
    const json = await p.run(['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', composeCmd, '--restart', '--json']);
    expect(json.code, json.all).toBe(3);
    const report = JSON.parse(json.stdout) as { ok: boolean; warnings: string[]; steps: { name: string; status: string; detail: string }[] };
    expect(report.ok).toBe(false);
    expect(report.steps.at(-1)).toMatchObject({ name: 'restart', status: 'failed', detail: expect.stringMatching(/exit 125/) });
    const now = await expectFinished(p);
    urls.push(values(p.dir).MEMU_DB_URL!);
    expectNoLeak(p, [middle.POSTGRES_PASSWORD!, now, ...urls]);
  });

  it('refuses --apply none with --restart (exit 2) before anything is written', async () => {
    const p = await project({ compose: true });
    const before = readFileSync(join(p.dir, '.env'), 'utf8');
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--restart', '--compose-cmd', FAKE_COMPOSE]);
    expect(result.code, result.all).toBe(2);
    expect(result.stderr).toMatch(/^envkit: --apply none and --restart/m);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(before);
    expect(existsSync(join(p.dir, '.env.envkit-pending'))).toBe(false);
    expect(existsSync(p.log)).toBe(false);
    expect(await login(p, p.old)).toEqual({ ok: true });
  });

  it('.env written by hand keeps its comments and order', async () => {
    const p = await project();
    const text = readFileSync(join(p.dir, '.env'), 'utf8');
    writeFileSync(join(p.dir, '.env'), `# deployment notes\n${text}`, { mode: 0o600 });
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', ...tcp()]);
    expect(result.code, result.all).toBe(0);
    const after = readFileSync(join(p.dir, '.env'), 'utf8');
    const next = await expectFinished(p);
    expect(after).toBe(`# deployment notes\n${text}`.replaceAll(p.old, next));
  });
});

describe('envkit rotate: the options its hints name exist', () => {
  /** The long options `envkit rotate --help` lists. */
  async function rotateOptions(cwd: string): Promise<Set<string>> {
    const help = await envkit(cwd, ['rotate', '--help']);
    expect(help.code, help.all).toBe(0);
    return new Set(help.stdout.match(/--[a-z][a-z-]*/g) ?? []);
  }

  it('a missing or empty compose command points at --compose-cmd', async () => {
    const dir = testdir({ 'compose.yaml': COMPOSE_YAML });
    expect((await envkit(dir, ['init', '--no-input', '--no-keyring'])).code).toBe(0);
    const options = await rotateOptions(dir);
    expect(options.has('--compose-cmd')).toBe(true);
    const missing = await envkit(dir, ['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', 'envkit-no-such-compose', '--no-keyring']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/`envkit-no-such-compose` was not found/);
    const empty = await envkit(dir, ['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', ' ', '--no-keyring']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the compose command is empty/);
    for (const result of [missing, empty]) {
      const hint = /^ *fix: (.*)$/m.exec(result.stderr)?.[1] ?? '';
      const named = hint.match(/--[a-z][a-z-]*/g) ?? [];
      expect(named, result.stderr).toContain('--compose-cmd');
      for (const option of named) expect(options.has(option), `${option} in: ${hint}`).toBe(true);
    }
  });
});

const withKeyring = withPostgres && requireTool('a private Secret Service (D-Bus + gnome-keyring)', hasSecretService(), SECRET_SERVICE_INSTALL);

describe.runIf(withKeyring)('envkit rotate with the OS keyring', () => {
  it('init stores the password in the keyring; rotate moves it to the history and stores the new one and the URL', () =>
    withSecretService(async (keyring) => {
      const pg = await startPostgres();
      try {
        const dir = testdir();
        const id = 'rotate-keyring-test';
        const env = { DBUS_SESSION_BUS_ADDRESS: keyring.address };
        const outputs: CliResult[] = [];
        const run = async (args: string[], input?: string) => {
          const result = await envkit(dir, ['--project', id, ...args], { env, input });
          outputs.push(result);
          return result;
        };
        expect((await run(['init', '--no-input', '--keyring'])).code).toBe(0);
        const read = () => parseDocument(readFileSync(join(dir, '.env'), 'utf8')).toObject();
        const old = read().POSTGRES_PASSWORD!;
        expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD') === old).toBe(true);
        await pg.createRole('memu_production_user', old);
        await pg.createDatabase('memu_db', 'memu_production_user');

        const result = await run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', '--db-host', pg.host, '--db-port', String(pg.port), '--keyring']);
        expect(result.code, result.all).toBe(0);
        expect(result.stdout).toMatch(/^  finish +done +removed \.env\.envkit-pending; POSTGRES_PASSWORD and MEMU_DB_URL kept in the secret-service keyring as envkit:rotate-keyring-test, the previous password kept as its history$/m);
        const now = read();
        // Compared here, never printed.
        expect(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD') === now.POSTGRES_PASSWORD).toBe(true);
        expect(keyring.lookup(`envkit:${id}`, 'MEMU_DB_URL') === now.MEMU_DB_URL).toBe(true);
        expect(JSON.parse(keyring.lookup(`envkit:${id}`, 'POSTGRES_PASSWORD@history') ?? '[]')).toEqual([old]);

        // A file-only rotation (an API key) updates the keyring copy too, so `envkit restore` never brings back the old key;
        // the previous key becomes its history even though the keyring never held it (it was set by hand).
        const handSet = 'sk-sethand0123456789abcdefghijkl';
        // --no-keyring: set keeps the keyring in step by default; here the key must be one the keyring never held.
        expect((await run(['set', 'OPENAI_API_KEY', '--stdin', '--no-keyring'], handSet)).code).toBe(0);
        expect(keyring.lookup(`envkit:${id}`, 'OPENAI_API_KEY')).toBeUndefined();
        const apiKey = 'sk-keyringcopy0123456789abcdefgh';
        const api = await run(['rotate', 'OPENAI_API_KEY', '--stdin', '--keyring'], apiKey);
        expect(api.code, api.all).toBe(0);
        expect(api.stdout).toMatch(/OPENAI_API_KEY +stored in the OS keyring \(secret-service\) as envkit:rotate-keyring-test/);
        expect(keyring.lookup(`envkit:${id}`, 'OPENAI_API_KEY') === apiKey).toBe(true);
        expect(JSON.parse(keyring.lookup(`envkit:${id}`, 'OPENAI_API_KEY@history') ?? '[]')).toEqual([handSet]);
        for (const output of outputs) for (const secret of [old, now.POSTGRES_PASSWORD!, apiKey, handSet]) expect(output.all).not.toContain(secret);
      } finally {
        await pg.stop();
      }
    }),
  );
});
