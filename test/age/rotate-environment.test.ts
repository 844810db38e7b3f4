// `envkit rotate POSTGRES_PASSWORD --env NAME`: the rotation protocol (docs/rotation.md) on an encrypted
// environment. Real things: a throw-away PostgreSQL cluster, keys made by age-keygen, the file read back with
// `age -d -i KEY`, the built CLI, and a child that SIGKILLs itself mid-rotation. No plaintext file may appear
// in the project or the temp dirs at any point, and no output may hold a password.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, parsePostgresUrl } from 'envkit';
import { canLogin } from 'envkit/rotate';
import { hasPostgres, startPostgres, type PgCluster } from '../helpers/postgres.js';
import { requireTool } from '../helpers/require.js';
import { snapshot } from '../reliability/support.js';
import { COMPOSE_YAML, FAKE_COMPOSE, envkitDist } from '../helpers/rotation.js';
import { HAS_AGE, ageDecrypt, ageProject, findLeak, keygen, memuEnvText, watchPlaintext, type AgeProject } from './support.js';


const enabled =
  requireTool('age', HAS_AGE, 'apt-get install age') &&
  requireTool('PostgreSQL (initdb)', hasPostgres(), 'apt-get install postgresql') &&
  requireTool('git', spawnSync('git', ['--version']).status === 0, 'apt-get install git');

/** The values of `.env.<name>.age`, decrypted by the real age CLI. */
function decrypted(p: AgeProject, name: string): Record<string, string> {
  const out = ageDecrypt(p.identityFile, join(p.dir, `.env.${name}.age`));
  expect(out.ok).toBe(true);
  return parseDocument(out.text).toObject();
}

describe.runIf(enabled)('envkit rotate POSTGRES_PASSWORD --env NAME (encrypted environment, real PostgreSQL and age)', () => {
  let pg: PgCluster;
  let count = 0;

  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  interface Project {
    p: AgeProject;
    user: string;
    db: string;
    old: string;
    /** What the stand-in compose needs to reach the cluster. */
    composeEnv: NodeJS.ProcessEnv;
  }

  /** Environment `staging` whose role and database exist in the cluster with the environment's password. */
  async function project(options: { compose?: boolean; superuser?: boolean } = {}): Promise<Project> {
    count += 1;
    const user = `envrot_user_${count}`;
    const db = `envrot_db_${count}`;
    const old = `EnvRotOldPass${count}Qx7Vm2Kp9Wz4Ln8Rt5Yb`;
    const p = await ageProject(memuEnvText(old, { user, db }), 'staging', options.compose ? { 'compose.yaml': COMPOSE_YAML } : {});
    await pg.createRole(user, old);
    if (options.superuser) await pg.psql(`ALTER ROLE "${user}" SUPERUSER;`);
    await pg.createDatabase(db, user);
    const composeEnv = { ENVKIT_TEST_PGHOST: pg.socketDir, ENVKIT_TEST_PGPORT: String(pg.port), ENVKIT_TEST_PSQL: pg.psqlPath, ENVKIT_TEST_COMPOSE_LOG: join(p.dir, 'compose.log') };
    return { p, user, db, old, composeEnv };
  }

  const login = (t: Project, password: string) => canLogin({ host: pg.host, port: pg.port, user: t.user, database: t.db }, password);
  const direct = () => ['--apply', 'direct', '--db-host', pg.host, '--db-port', String(pg.port)];

  /** The database and the encrypted file agree on a new password (the URL too); nothing pending or plaintext is left. */
  async function expectRotated(t: Project, expected?: string): Promise<string> {
    const values = decrypted(t.p, 'staging');
    const next = values.POSTGRES_PASSWORD!;
    expect(next).not.toBe(t.old);
    if (expected !== undefined) expect(next).toBe(expected);
    expect(await login(t, next)).toEqual({ ok: true });
    expect(await login(t, t.old)).toMatchObject({ ok: false, reason: 'auth' });
    const url = parsePostgresUrl(values.MEMU_DB_URL!);
    expect(url).toMatchObject({ user: t.user, database: t.db, password: next });
    const names = readdirSync(t.p.dir);
    expect(names.filter((n) => n.includes('envkit-pending') || n.includes('envkit-lock') || n.includes('envkit-tmp'))).toEqual([]);
    expect(names).not.toContain('.env');
    expect(names).not.toContain('.env.staging');
    expect(findLeak(t.p.outputs.join('\n'), [t.old, next])).toBeUndefined();
    if (existsSync(t.composeEnv.ENVKIT_TEST_COMPOSE_LOG!)) expect(findLeak(readFileSync(t.composeEnv.ENVKIT_TEST_COMPOSE_LOG!, 'utf8'), [t.old, next])).toBeUndefined();
    expect(findLeak(pg.readLog(), [t.old, next])).toBeUndefined();
    return next;
  }

  /**
   * A child runs the built library's rotation of `staging` (route `apply`) and SIGKILLs itself once `step` is
   * durable: the pending file stays.
   */
  async function killedAfter(t: Project, step: 'pending' | 'apply' | 'write', apply: 'direct' | 'none'): Promise<{ signal: NodeJS.Signals | null; output: string }> {
    const script = `
      const o = JSON.parse(process.env.ENVKIT_CRASH_OPTIONS);
      const { rotatePassword } = await import(o.rotate);
      const { memuSchema } = await import(o.memu);
      const { environmentStore, loadIdentities } = await import(o.age);
      const identities = await loadIdentities({ keyring: 'off' });
      const envStore = environmentStore({ cwd: o.cwd, name: 'staging', schema: memuSchema, identities });
      const route = o.apply === 'direct' ? { apply: 'direct', dbHost: o.dbHost, dbPort: o.dbPort } : { apply: o.apply };
      await rotatePassword({
        cwd: o.cwd, schema: memuSchema, key: 'POSTGRES_PASSWORD', envStore, ...route,
        onStep(e) { if (e.name === o.step && e.status !== 'running') process.kill(process.pid, 'SIGKILL'); },
      });
      process.stdout.write('finished without being killed');
    `;
    const options = { rotate: envkitDist('rotate'), memu: envkitDist('memu'), age: envkitDist('age'), cwd: t.p.dir, step, apply, dbHost: pg.host, dbPort: pg.port };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        cwd: t.p.dir,
        env: { PATH: process.env.PATH, ...t.p.env, ENVKIT_CRASH_OPTIONS: JSON.stringify(options) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.on('error', reject);
      child.on('close', (_code, sig) => resolve({ signal: sig, output: out }));
    });
  }

  it('--apply direct: the database takes the new password, .env.staging.age holds it and the derived URL; no plaintext file ever appears', async () => {
    const t = await project();
    const next = 'EnvRotGivenPass7Hq2Zx9Lm4Wv6Tb3Kd';
    const watcher = watchPlaintext([t.p.dir, t.p.env.TMPDIR!], [t.old, next]);
    const result = await t.p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'staging', '--stdin', ...direct()], { input: next });
    const seen = watcher.stop();
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/^envkit rotate POSTGRES_PASSWORD --env staging$/m);
    expect(result.stdout).toMatch(/^ {2}pending +done +new value given and saved in \.env\.staging\.envkit-pending\.age \(encrypted to the environment's recipients\)/m);
    expect(result.stdout).toMatch(/^ {2}write +done +POSTGRES_PASSWORD and MEMU_DB_URL updated together in \.env\.staging\.age \(re-encrypted to its recipients, atomic write\)$/m);
    expect(result.stdout).toMatch(/^Next: deploy environment staging again where the app reads it/m);
    await expectRotated(t, next);
    // The pending file existed (the watcher saw its name) and was never plaintext; nor was anything else.
    expect(seen.names[t.p.dir]).toContain('.env.staging.envkit-pending.age');
    expect(seen.plaintext).toEqual([]);
    expect(readdirSync(t.p.env.TMPDIR!)).toEqual([]);

    // A generated password, with the route recorded nowhere now: given again.
    const again = await t.p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'staging', ...direct()]);
    expect(again.code, again.all).toBe(0);
    await expectRotated({ ...t, old: next });
  });

  it('a kill -9 after the pending write or the apply: check --env reports it, and a bare `rotate --env` finishes it', async () => {
    for (const step of ['pending', 'apply'] as const) {
      const t = await project();
      const watcher = watchPlaintext([t.p.dir, t.p.env.TMPDIR!], [t.old]);
      const { signal, output } = await killedAfter(t, step, 'direct');
      expect(signal, output).toBe('SIGKILL');
      const pendingFile = join(t.p.dir, '.env.staging.envkit-pending.age');
      expect(existsSync(pendingFile)).toBe(true);
      // The write-ahead record is age ciphertext for the environment's recipients, never the value itself.
      const record = ageDecrypt(t.p.identityFile, pendingFile);
      expect(record.ok).toBe(true);
      const pending = JSON.parse(record.text) as { key: string; value: string; apply: string; step: string };
      expect(pending).toMatchObject({ key: 'POSTGRES_PASSWORD', apply: 'direct', step: step === 'pending' ? 'created' : 'applied' });
      expect(readFileSync(pendingFile, 'utf8')).not.toContain(pending.value);
      expect(watcher.stop().plaintext).toEqual([]);
      // git ignores the pending file (the environment's .env.staging.envkit-* rule) and keeps the environment visible.
      expect(spawnSync('git', ['init', '-q'], { cwd: t.p.dir }).status).toBe(0);
      expect(spawnSync('git', ['check-ignore', '-q', '.env.staging.envkit-pending.age'], { cwd: t.p.dir }).status).toBe(0);
      expect(spawnSync('git', ['check-ignore', '-q', '.env.staging.age'], { cwd: t.p.dir }).status).toBe(1);
      // Until the write, the file keeps the old password; after the apply the database has the new one.
      expect(decrypted(t.p, 'staging').POSTGRES_PASSWORD).toBe(t.old);
      expect((await login(t, pending.value)).ok).toBe(step === 'apply');

      const check = await t.p.run(['check', '--env', 'staging']);
      expect(check.code, check.all).toBe(1);
      expect(check.stdout).toMatch(/^error +\.env\.staging\.envkit-pending\.age +the rotation of POSTGRES_PASSWORD started .* is unfinished/m);
      expect(check.stdout).toMatch(/^failed: 1 error,/m);
      expect(check.stdout).toMatch(/fix: envkit rotate POSTGRES_PASSWORD --env staging\b/);
      const json = JSON.parse((await t.p.run(['check', '--env', 'staging', '--json'])).stdout) as { findings: { rule: string; severity: string }[] };
      expect(json.findings).toContainEqual(expect.objectContaining({ rule: 'rotation.pending', severity: 'error' }));

      // The pending file recorded the route: the command alone resumes it against the same database.
      const resumed = await t.p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'staging']);
      expect(resumed.code, resumed.all).toBe(0);
      expect(resumed.stdout).toMatch(/pending +already done +resuming the rotation started/);
      await expectRotated(t, pending.value);
      const clean = await t.p.run(['check', '--env', 'staging']);
      expect(clean.code, clean.all).toBe(0);
      expect(clean.all).not.toMatch(/envkit-pending/);
      expect(findLeak(t.p.outputs.join('\n'), [t.old, pending.value])).toBeUndefined();
    }
  });

  it('--apply none killed after its write, then the recipients list deleted: a bare `rotate --env` still finishes (nothing left to encrypt)', async () => {
    const t = await project();
    const { signal, output } = await killedAfter(t, 'write', 'none');
    expect(signal, output).toBe('SIGKILL');
    const pendingFile = join(t.p.dir, '.env.staging.envkit-pending.age');
    const pending = JSON.parse(ageDecrypt(t.p.identityFile, pendingFile).text) as { value: string; apply: string };
    expect(pending.apply).toBe('none');
    // The write is done: the file has the new password, the database (apply none) still the old one.
    expect(decrypted(t.p, 'staging').POSTGRES_PASSWORD).toBe(pending.value);
    const encrypted = readFileSync(join(t.p.dir, '.env.staging.age'), 'utf8');
    rmSync(join(t.p.dir, '.env.staging.recipients'));

    const resumed = await t.p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'staging']);
    expect(resumed.code, resumed.all).toBe(0);
    expect(resumed.stdout).toMatch(/pending +already done +resuming the rotation started/);
    expect(resumed.stdout).toMatch(/^ {2}write +already done +\.env\.staging\.age already has the new value$/m);
    expect(existsSync(pendingFile)).toBe(false);
    // Nothing was re-encrypted: the file is byte for byte the one the killed run wrote.
    expect(readFileSync(join(t.p.dir, '.env.staging.age'), 'utf8')).toBe(encrypted);
    expect(existsSync(join(t.p.dir, '.env.staging.recipients'))).toBe(false);
    expect(await login(t, t.old)).toEqual({ ok: true });
    expect(findLeak(t.p.outputs.join('\n'), [t.old, pending.value])).toBeUndefined();
  });

  it('compose: psql in the (stand-in) database container, the stored verifier proves it', async () => {
    const t = await project({ compose: true, superuser: true });
    const watcher = watchPlaintext([t.p.dir, t.p.env.TMPDIR!], [t.old]);
    const result = await t.p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'staging', '--compose-cmd', FAKE_COMPOSE], { env: t.composeEnv });
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/apply +done +ALTER ROLE "envrot_user_\d+" with a SCRAM-SHA-256 verifier on stdin of psql in the db container/);
    expect(result.stdout).toMatch(/test +done +the stored SCRAM verifier of role/);
    expect(result.stdout).toContain(`  ${FAKE_COMPOSE} up -d --force-recreate memu\n`);
    await expectRotated(t);
    expect(watcher.stop().plaintext).toEqual([]);
    // --restart cannot recreate the app from an encrypted environment: refused before anything changes.
    const before = snapshot(t.p.dir);
    const restart = await t.p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'staging', '--compose-cmd', FAKE_COMPOSE, '--restart'], { env: t.composeEnv });
    expect(restart.code).toBe(2);
    expect(restart.stderr).toMatch(/--restart cannot recreate the app from environment staging/);
    expect(snapshot(t.p.dir)).toEqual(before);
  });

  it('refuses without an identity, with one that is not a recipient, or a recipients list you are not on: the database and the file are unchanged', async () => {
    const t = await project();
    const file = join(t.p.dir, '.env.staging.age');
    const before = snapshot(t.p.dir);
    const cases: { env?: NodeJS.ProcessEnv; args: string[]; message: RegExp }[] = [
      // No identity at all: an empty config directory.
      { env: { XDG_CONFIG_HOME: join(t.p.env.TMPDIR!, 'none') }, args: [], message: /no age identity to decrypt \.env\.staging\.age/ },
      // An identity that is not on the recipients list.
      { args: ['--identity', keygen(t.p.env.TMPDIR!, 'stranger.key').file], message: /your identity cannot decrypt \.env\.staging\.age/ },
    ];
    for (const c of cases) {
      const result = await t.p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'staging', ...direct(), ...c.args], { env: c.env });
      expect(result.code, result.all).toBe(3);
      expect(result.stderr).toMatch(c.message);
      expect(snapshot(t.p.dir)).toEqual(before);
      expect(ageDecrypt(t.p.identityFile, file).text).toContain(`POSTGRES_PASSWORD=${t.old}\n`);
      expect(await login(t, t.old)).toEqual({ ok: true });
    }
    // An environment that does not exist: said as such, with the command that creates it.
    const none = await t.p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'nosuch', ...direct()]);
    expect(none.code, none.all).toBe(3);
    expect(none.stderr).toMatch(/^envkit: \.env\.nosuch\.age does not exist\n {2}fix: create it with `envkit set --env nosuch KEY=VALUE`/m);
    expect(snapshot(t.p.dir)).toEqual(before);

    // A recipients list that none of your identities is on: the pending file would be unreadable here, so nothing is written.
    const stranger = keygen(t.p.env.TMPDIR!, 'other.key');
    writeFileSync(join(t.p.dir, '.env.staging.recipients'), `# someone else\n${stranger.recipient}\n`);
    const locked = snapshot(t.p.dir);
    const lockedOut = await t.p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'staging', ...direct()]);
    expect(lockedOut.code, lockedOut.all).toBe(1);
    expect(lockedOut.stderr).toMatch(/none of your identities would be a recipient of \.env\.staging\.age: you would lock yourself out/);
    expect(snapshot(t.p.dir)).toEqual(locked);
    expect(await login(t, t.old)).toEqual({ ok: true });
    expect(findLeak(t.p.outputs.join('\n'), [t.old])).toBeUndefined();
  });
});
