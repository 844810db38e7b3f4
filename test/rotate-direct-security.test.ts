// `envkit rotate POSTGRES_PASSWORD --apply direct` and `envkit check --online`: what the direct connection
// trusts (SECURITY.md, "The direct database connection"). Real clusters: one without TLS whose pg_hba.conf
// asks some roles for a cleartext or MD5 password, one reachable over TLS only (hostssl) with a
// throw-away CA made by openssl.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canLogin, readPending, type ConnectionSecurity } from 'envkit/rotate';
import { hasPostgres, startPostgres, type PgCluster } from './helpers/postgres.js';
import { requireTool } from './helpers/require.js';
import { envValues, expectNoLeak, killedRotation, rotationProject, type RotationProject } from './helpers/rotation.js';
import { hasOpenssl, makeCa, makeServerCert, sslConfig, type TestCa } from './helpers/tls.js';

const withPostgres = requireTool('PostgreSQL (initdb)', hasPostgres(), 'apt-get install postgresql');
const withOpenssl = requireTool('openssl', hasOpenssl(), 'apt-get install openssl');

/** The stored password of `role` (an MD5 hash or a SCRAM verifier): what "the database is unchanged" compares. */
async function stored(pg: PgCluster, role: string): Promise<string> {
  return (await pg.psql(`SELECT rolpassword FROM pg_authid WHERE rolname = '${role}'`)).trim();
}

/** The project's state a refused rotation must leave as it was. */
async function snapshot(pg: PgCluster, p: RotationProject): Promise<{ env: string; stored: string }> {
  return { env: readFileSync(join(p.dir, '.env'), 'utf8'), stored: await stored(pg, p.user) };
}

const pendingFile = (p: RotationProject) => join(p.dir, '.env.envkit-pending');

describe.runIf(withPostgres)('direct connections: password methods other than SCRAM', () => {
  let pg: PgCluster;

  beforeAll(async () => {
    pg = await startPostgres({
      hba: [
        'host all +insecure_pw 127.0.0.1/32 password',
        'host all +insecure_md5 127.0.0.1/32 md5',
        'host all all 127.0.0.1/32 scram-sha-256',
      ],
    });
    await pg.psql('CREATE ROLE insecure_pw NOLOGIN; CREATE ROLE insecure_md5 NOLOGIN;');
  });
  afterAll(async () => {
    await pg?.stop();
  });

  const tcp = () => ['--apply', 'direct', '--db-host', pg.host, '--db-port', String(pg.port)];
  const login = (p: RotationProject, password: string, security: ConnectionSecurity = {}) =>
    canLogin({ host: pg.host, port: pg.port, user: p.user, database: p.db, security }, password);

  it.each([
    ['password', 'insecure_pw', undefined, /asked for the password in cleartext \(pg_hba\.conf method "password"\)/],
    ['md5', 'insecure_md5', 'md5', /asked for an MD5 hash of the password \(pg_hba\.conf method "md5" and a password stored as MD5\)/],
  ] as const)('pg_hba.conf method %s: refused before anything is written or sent; --db-allow-insecure-auth rotates', async (_method, group, encryption, said) => {
    const p = await rotationProject(pg, 'auth', { memberOf: group, ...(encryption ? { encryption } : {}) });
    const before = await snapshot(pg, p);
    if (encryption === 'md5') expect(before.stored).toMatch(/^md5[0-9a-f]{32}$/);

    const refused = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp()]);
    expect(refused.code, refused.all).toBe(3);
    expect(refused.stderr).toMatch(new RegExp(`^envkit: rotation of POSTGRES_PASSWORD not started: PostgreSQL at 127\\.0\\.0\\.1:${pg.port} ${said.source}; envkit sends a password only through SCRAM-SHA-256, and sent nothing\\n`));
    expect(refused.stderr).toMatch(/fix: .*nothing was changed: \.env and the database keep the current POSTGRES_PASSWORD; to send it anyway: --db-allow-insecure-auth\n$/);
    expect(await snapshot(pg, p)).toEqual(before);
    expect(existsSync(pendingFile(p))).toBe(false);
    // The library refuses too, and only the opt-in logs in.
    await expect(login(p, p.old)).rejects.toMatchObject({ code: 'DATABASE', reason: 'insecure-auth' });
    expect(await login(p, p.old, { allowInsecureAuth: true })).toEqual({ ok: true });

    // --json carries the same refusal and the flag.
    const json = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp(), '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'DATABASE', hint: expect.stringMatching(/--db-allow-insecure-auth$/) } });

    const allowed = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp(), '--db-allow-insecure-auth']);
    expect(allowed.code, allowed.all).toBe(0);
    const next = envValues(p.dir).POSTGRES_PASSWORD!;
    expect(next).not.toBe(p.old);
    // The new password is stored as a SCRAM verifier, whatever the old one was.
    expect(await stored(pg, p.user)).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(await login(p, next, { allowInsecureAuth: true })).toEqual({ ok: true });
    expect(await login(p, p.old, { allowInsecureAuth: true })).toMatchObject({ ok: false, reason: 'auth' });
    expect(existsSync(pendingFile(p))).toBe(false);
    expectNoLeak(pg, p, [p.old, next]);
  });

  it('check --online refuses the method with the flag to allow it, and logs in with it', async () => {
    const p = await rotationProject(pg, 'authcheck', { memberOf: 'insecure_pw' });
    const args = ['check', '--online', '--no-git', '--db-host', pg.host, '--db-port', String(pg.port)];
    const refused = await p.run(args);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/database authcheck_user_\d+@127\.0\.0\.1:\d+\/authcheck_db_\d+: PostgreSQL at .* asked for the password in cleartext/);
    expect(refused.stdout).toMatch(/fix: set the method to scram-sha-256 in pg_hba\.conf, or allow the password to be sent anyway; to send it anyway: --db-allow-insecure-auth/);
    const json = await p.run([...args, '--json']);
    const finding = (JSON.parse(json.stdout) as { findings: { rule: string; reason?: string; fix?: string }[] }).findings.find((f) => f.rule === 'online.database');
    // The JSON fix is the one the text prints, flag included.
    expect(finding).toMatchObject({ reason: 'insecure-auth', fix: 'set the method to scram-sha-256 in pg_hba.conf, or allow the password to be sent anyway; to send it anyway: --db-allow-insecure-auth' });

    const allowed = await p.run([...args, '--db-allow-insecure-auth', '--json']);
    const report = JSON.parse(allowed.stdout) as { probes: { name: string; ok: boolean; message: string }[] };
    expect(report.probes.find((probe) => probe.name.startsWith('database'))).toMatchObject({ ok: true, message: 'logged in, SELECT 1 answered' });
    expectNoLeak(pg, p, [p.old]);
  });

  it('sslmode require against a server without TLS fails before anything is written; prefer (the default) falls back', async () => {
    const p = await rotationProject(pg, 'notls');
    const before = await snapshot(pg, p);
    const required = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp(), '--db-sslmode', 'require']);
    expect(required.code, required.all).toBe(3);
    expect(required.stderr).toContain(`envkit: rotation of POSTGRES_PASSWORD not started: PostgreSQL at 127.0.0.1:${pg.port} does not accept TLS connections, and sslmode require requires TLS\n`);
    expect(required.stderr).toMatch(/fix: .*TLS settings: --db-sslmode and --db-sslrootcert/);
    expect(await snapshot(pg, p)).toEqual(before);
    expect(existsSync(pendingFile(p))).toBe(false);
    // PGSSLMODE is libpq's: honoured too.
    const fromEnv = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp()], { env: { PGSSLMODE: 'require' } });
    expect(fromEnv.stderr).toContain('sslmode require requires TLS');
    expect(await snapshot(pg, p)).toEqual(before);

    const preferred = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp(), '--db-sslmode', 'prefer']);
    expect(preferred.code, preferred.all).toBe(0);
    const next = envValues(p.dir).POSTGRES_PASSWORD!;
    expect(await login(p, next)).toEqual({ ok: true });
    expectNoLeak(pg, p, [p.old, next]);
  });
});

describe.runIf(withPostgres && withOpenssl)('direct connections over TLS (a hostssl-only server)', () => {
  let pg: PgCluster;
  let ca: TestCa;
  let otherCa: TestCa;
  // The certificates outlive each test (a testdir is removed after every one).
  const certs = mkdtempSync(join(tmpdir(), 'envkit-tls-'));

  beforeAll(async () => {
    ca = makeCa(certs, 'ca');
    otherCa = makeCa(certs, 'other-ca');
    const ssl = sslConfig(makeServerCert(certs, ca, ['localhost', '127.0.0.1']));
    pg = await startPostgres({
      // 127.0.0.2 reaches the same server under a name its certificate does not have.
      conf: [...ssl.conf, "listen_addresses = '127.0.0.1,127.0.0.2'"],
      files: ssl.files,
      hba: ['hostssl all all 127.0.0.0/8 scram-sha-256'],
    });
  });
  afterAll(async () => {
    await pg?.stop();
    rmSync(certs, { recursive: true, force: true });
  });

  const tcp = (host = pg.host) => ['--apply', 'direct', '--db-host', host, '--db-port', String(pg.port)];
  const verified = () => ['--db-sslmode', 'verify-full', '--db-sslrootcert', ca.certFile];
  const login = (p: RotationProject, password: string) =>
    canLogin({ host: pg.host, port: pg.port, user: p.user, database: p.db, security: { sslmode: 'verify-full', sslrootcert: ca.certFile } }, password);

  /** The rotation finished over TLS: .env has a new password the server accepts, nothing pending, nothing leaked. */
  async function expectRotatedOverTls(p: RotationProject): Promise<string> {
    const next = envValues(p.dir).POSTGRES_PASSWORD!;
    expect(next).not.toBe(p.old);
    expect(await login(p, next)).toEqual({ ok: true });
    expect(await login(p, p.old)).toMatchObject({ ok: false, reason: 'auth' });
    expect(existsSync(pendingFile(p))).toBe(false);
    // hostssl lines only: every login of this role was over TLS.
    expect(pg.readLog()).toMatch(new RegExp(`connection authorized: user=${p.user} database=${p.db} application_name=envkit SSL enabled \\(protocol=TLS`));
    expectNoLeak(pg, p, [p.old, next]);
    return next;
  }

  it('verify-full with the CA that signed the server certificate rotates (hostssl only: over TLS)', async () => {
    const p = await rotationProject(pg, 'tls');
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp(), ...verified()]);
    expect(result.code, result.all).toBe(0);
    await expectRotatedOverTls(p);
  });

  it.each([
    ['another CA', () => [...tcp(), '--db-sslmode', 'verify-full', '--db-sslrootcert', otherCa.certFile], /TLS with PostgreSQL at 127\.0\.0\.1:\d+ failed \(sslmode verify-full, CA \S+\/other-ca\.pem\): unable to verify the first certificate\n/],
    ['a host the certificate does not name', () => [...tcp('127.0.0.2'), ...verified()], /TLS with PostgreSQL at 127\.0\.0\.2:\d+ failed \(sslmode verify-full, CA \S+\/ca\.pem\): Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.2 is not in the cert's list: 127\.0\.0\.1\n/],
    ['sslmode disable', () => [...tcp(), '--db-sslmode', 'disable'], /PostgreSQL at 127\.0\.0\.1:\d+ rejected the connection before asking for a password: no pg_hba\.conf entry for host "127\.0\.0\.1", user "tlsbad_user_\d+", database "tlsbad_db_\d+", no encryption\n/],
    ['a CA file that does not exist', () => [...tcp(), '--db-sslmode', 'verify-full', '--db-sslrootcert', 'missing-ca.pem'], /cannot read the CA certificate file \/\S+\/missing-ca\.pem \(ENOENT\)\n/],
  ])('verify-full fails clearly with %s, before anything is written', async (_case, args, said) => {
    const p = await rotationProject(pg, 'tlsbad');
    const before = await snapshot(pg, p);
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', ...args()]);
    expect(result.code, result.all).not.toBe(0);
    expect(result.stderr).toMatch(/^envkit: rotation of POSTGRES_PASSWORD not started: /);
    expect(result.stderr).toMatch(said);
    expect(result.stderr).toMatch(/fix: .*--db-(sslmode|sslrootcert)/);
    expect(await snapshot(pg, p)).toEqual(before);
    expect(existsSync(pendingFile(p))).toBe(false);
    expectNoLeak(pg, p, [p.old]);
  });

  it('verify-ca checks the chain, not the name: 127.0.0.2 rotates', async () => {
    const p = await rotationProject(pg, 'tlsca');
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp('127.0.0.2'), '--db-sslmode', 'verify-ca', '--db-sslrootcert', ca.certFile]);
    expect(result.code, result.all).toBe(0);
    await expectRotatedOverTls(p);
  });

  it('PGSSLMODE/PGSSLROOTCERT and ?sslmode= in MEMU_DB_URL are honoured: flag > URL > environment', async () => {
    const p = await rotationProject(pg, 'tlsenv');
    const before = await snapshot(pg, p);
    const env = { PGSSLMODE: 'verify-full', PGSSLROOTCERT: ca.certFile };
    // The environment alone decides: PGSSLMODE=disable is rejected by the hostssl-only server.
    const disabled = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp()], { env: { PGSSLMODE: 'disable' } });
    expect(disabled.stderr).toMatch(/rejected the connection before asking for a password: no pg_hba\.conf entry .* no encryption/);
    expect(await snapshot(pg, p)).toEqual(before);
    // The URL's sslmode beats the environment's.
    const envPath = join(p.dir, '.env');
    writeFileSync(envPath, before.env.replace(/^(MEMU_DB_URL=\S+?)$/m, '$1?sslmode=disable'), { mode: 0o600 });
    const urlWins = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp()], { env });
    expect(urlWins.stderr, urlWins.all).toMatch(/no pg_hba\.conf entry .* no encryption/);
    expect(existsSync(pendingFile(p))).toBe(false);
    // The flag beats the URL; the URL keeps its query.
    const flagWins = await p.run(['rotate', 'POSTGRES_PASSWORD', ...tcp(), '--db-sslmode', 'verify-full'], { env: { PGSSLROOTCERT: ca.certFile } });
    expect(flagWins.code, flagWins.all).toBe(0);
    await expectRotatedOverTls(p);
    expect(envValues(p.dir).MEMU_DB_URL).toMatch(/\?sslmode=disable$/);

    // The environment alone: TLS, verified.
    const q = await rotationProject(pg, 'tlsenv');
    const fromEnv = await q.run(['rotate', 'POSTGRES_PASSWORD', ...tcp()], { env });
    expect(fromEnv.code, fromEnv.all).toBe(0);
    await expectRotatedOverTls(q);
  });

  it('a resumed rotation and an abort connect as the interrupted run did, whatever PGSSLMODE says now', async () => {
    const p = await rotationProject(pg, 'tlsresume');
    const settings = { apply: 'direct', dbHost: pg.host, dbPort: pg.port, dbSecurity: { sslmode: 'verify-full', sslrootcert: ca.certFile } };
    expect(await killedRotation(p, 'pending', settings)).toBe('SIGKILL');
    expect(readPending(pendingFile(p))?.via).toMatchObject({ dbSslMode: 'verify-full', dbSslRootCert: ca.certFile });
    // Without the record, PGSSLMODE=disable would be rejected by the hostssl-only server.
    const aborted = await p.run(['rotate', 'POSTGRES_PASSWORD', '--abort'], { env: { PGSSLMODE: 'disable' } });
    expect(aborted.code, aborted.all).toBe(0);
    expect(aborted.stdout).toMatch(/^Abandoned the rotation of POSTGRES_PASSWORD started .* \(127\.0\.0\.1:\d+ refuses the new password\)\.$/m);

    expect(await killedRotation(p, 'pending', settings)).toBe('SIGKILL');
    const resumed = await p.run(['rotate', 'POSTGRES_PASSWORD'], { env: { PGSSLMODE: 'disable' } });
    expect(resumed.code, resumed.all).toBe(0);
    expect(resumed.stdout).toMatch(/^ {2}pending +already done +resuming/m);
    await expectRotatedOverTls(p);
  });

  it('check --online uses the same settings', async () => {
    const p = await rotationProject(pg, 'tlscheck');
    const probe = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const result = await p.run(['check', '--online', '--no-git', '--db-port', String(pg.port), ...args, '--json'], { env });
      const report = JSON.parse(result.stdout) as { probes: { name: string; ok: boolean; message: string }[]; findings: { rule: string; message: string; fix?: string }[] };
      return { probe: report.probes.find((x) => x.name.startsWith('database'))!, finding: report.findings.find((f) => f.rule === 'online.database') };
    };
    expect((await probe(['--db-host', pg.host, ...verified()])).probe).toMatchObject({ ok: true });
    expect((await probe(['--db-host', '127.0.0.2', '--db-sslmode', 'verify-ca', '--db-sslrootcert', ca.certFile])).probe).toMatchObject({ ok: true });
    expect((await probe(['--db-host', pg.host], { PGSSLMODE: 'verify-full', PGSSLROOTCERT: ca.certFile })).probe).toMatchObject({ ok: true });
    const wrongName = await probe(['--db-host', '127.0.0.2', ...verified()]);
    expect(wrongName.probe).toMatchObject({ ok: false, message: expect.stringMatching(/Hostname\/IP does not match certificate's altnames/) });
    const disabled = await probe(['--db-host', pg.host, '--db-sslmode', 'disable']);
    expect(disabled.probe).toMatchObject({ ok: false, message: expect.stringMatching(/^rejected by pg_hba\.conf: no pg_hba\.conf entry .* no encryption$/) });
    const otherCaResult = await probe(['--db-host', pg.host, '--db-sslmode', 'verify-full', '--db-sslrootcert', otherCa.certFile]);
    // The JSON fix names the flags that change it, as the text does.
    expect(otherCaResult.finding).toMatchObject({
      reason: 'tls',
      fix: "the server's certificate must be signed by the CA certificate given and name the host connected to (127.0.0.1); TLS settings: --db-sslmode and --db-sslrootcert (or ?sslmode=/&sslrootcert= in the URL, PGSSLMODE/PGSSLROOTCERT)",
    });
    // The text output adds the flags that change it.
    const text = await p.run(['check', '--online', '--no-git', '--db-host', pg.host, '--db-port', String(pg.port), '--db-sslmode', 'verify-full', '--db-sslrootcert', otherCa.certFile]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/TLS with PostgreSQL at 127\.0\.0\.1:\d+ failed \(sslmode verify-full, CA \S+\/other-ca\.pem\): unable to verify the first certificate/);
    expect(text.stdout).toContain('fix: the server\'s certificate must be signed by the CA certificate given and name the host connected to (127.0.0.1); TLS settings: --db-sslmode and --db-sslrootcert');
    expectNoLeak(pg, p, [p.old]);
  });
});
