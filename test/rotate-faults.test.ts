// `envkit rotate POSTGRES_PASSWORD` when things go wrong: the database down, the current password wrong,
// the process killed between steps, two rotations at once. After the next run the database and .env agree.
//
// Crashes are real: a child process runs the built library's rotatePassword and SIGKILLs itself from the
// onStep callback as soon as the chosen step reports done (its effect is durable by then). No test hook
// lives in the library or the CLI.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPending } from 'envkit/rotate';
import { hasPostgres, startPostgres, type PgCluster } from './helpers/postgres.js';
import { requireTool } from './helpers/require.js';
import { FAKE_COMPOSE, FAKES, envValues, expectNoLeak as expectNoLeakIn, envkitDist, expectRotated, killedRotation, projectLogin, rotationProject, type RotationProject } from './helpers/rotation.js';

/** The built library's entry points, as the CLI bundles them. */

const withPostgres = requireTool('PostgreSQL (initdb)', hasPostgres(), 'apt-get install postgresql');

describe.runIf(withPostgres)('envkit rotate POSTGRES_PASSWORD under faults', () => {
  let pg: PgCluster;

  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  type Project = RotationProject;
  const expectNoLeak = (p: Project, secrets: string[]) => expectNoLeakIn(pg, p, secrets);
  /** An init'd memu project (with compose.yaml) whose role, a superuser like the image's, has the .env password. */
  const project = () => rotationProject(pg, 'fault', { compose: true, superuser: true });
  const envText = (dir: string) => readFileSync(join(dir, '.env'), 'utf8');
  const values = envValues;
  const pendingOf = (p: Project) => readPending(join(p.dir, '.env.envkit-pending'));
  const login = (p: Project, password: string) => projectLogin(pg, p, password);
  const direct = () => ['--apply', 'direct', '--db-host', pg.host, '--db-port', String(pg.port)];
  const compose = () => ['--compose-cmd', FAKE_COMPOSE];

  /** expectRotated (to `expected`, when given), and no lock is left. */
  async function expectFinished(p: Project, expected?: string): Promise<void> {
    const { next } = await expectRotated(pg, p);
    if (expected !== undefined) expect(next).toBe(expected);
    expect(existsSync(join(p.dir, '.env.envkit-lock'))).toBe(false);
  }

  /** Run rotatePassword in a child that SIGKILLs itself once `step` is done. */
  function crashAfter(p: Project, step: string, mode: 'direct' | 'compose'): Promise<NodeJS.Signals | null> {
    return killedRotation(p, step, { apply: mode, ...(mode === 'direct' ? { dbHost: pg.host, dbPort: pg.port } : { composeCmd: FAKE_COMPOSE }) });
  }

  it.each([
    ['direct', 'pending'],
    ['direct', 'apply'],
    ['direct', 'test'],
    ['direct', 'write'],
    ['compose', 'pending'],
    ['compose', 'apply'],
  ] as const)('%s, killed after the %s step: the next run finishes the same rotation', async (mode, step) => {
    expect(existsSync(envkitDist('rotate')), 'build the library first (pnpm run build)').toBe(true);
    const p = await project();
    const before = envText(p.dir);
    expect(await crashAfter(p, step, mode)).toBe('SIGKILL');

    // What the killed run left: the new password in the pending file, a stale lock, and exactly one of
    // the two states docs/rotation.md allows.
    const pending = pendingOf(p)!;
    expect(pending.key).toBe('POSTGRES_PASSWORD');
    expect(existsSync(join(p.dir, '.env.envkit-lock'))).toBe(true);
    if (step === 'write') {
      expect(values(p.dir).POSTGRES_PASSWORD).toBe(pending.value);
    } else {
      expect(envText(p.dir)).toBe(before);
    }
    expect((await login(p, pending.value)).ok).toBe(step !== 'pending');
    expect((await login(p, p.old)).ok).toBe(step === 'pending');

    const args = mode === 'direct' ? direct() : compose();
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', ...args]);
    expect(result.code, result.all).toBe(0);
    expect(result.stdout).toMatch(/^  pending +already done +resuming the rotation started /m);
    if (mode === 'direct' && step !== 'pending') expect(result.stdout).toMatch(/^  apply +already done +the database at .* already accepts the new password/m);
    // A resumed compose rotation reads the stored verifier first: after the apply step it is already done.
    if (mode === 'compose' && step !== 'pending') expect(result.stdout).toMatch(/^  apply +already done +the stored SCRAM verifier of role "fault_user_\d+" already matches the new password/m);
    if (mode === 'compose' && step === 'pending') expect(result.stdout).toMatch(/^  apply +done +ALTER ROLE/m);
    if (step === 'write') expect(result.stdout).toMatch(/^  write +already done/m);
    await expectFinished(p, pending.value);
  });

  it('database down (nothing on the port): stops at apply, .env untouched; the next run finishes', async () => {
    const p = await project();
    const before = envText(p.dir);
    const down = await p.run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', '--db-host', pg.host, '--db-port', '1']);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/^envkit: rotation of POSTGRES_PASSWORD stopped at step "apply": could not reach PostgreSQL at 127\.0\.0\.1:1/m);
    expect(down.stderr).toMatch(/\.env is unchanged and the new POSTGRES_PASSWORD is kept in \.env\.envkit-pending; run `envkit rotate POSTGRES_PASSWORD` again/);
    expect(down.stdout).toMatch(/^  apply +FAILED +could not reach/m);
    expect(envText(p.dir)).toBe(before);
    const pending = pendingOf(p)!;
    expect(await login(p, p.old)).toEqual({ ok: true });

    const json = await p.run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', '--db-host', pg.host, '--db-port', '1', '--json']);
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as { ok: boolean; steps: { name: string; status: string }[]; error: { code: string } };
    expect(report.ok).toBe(false);
    expect(report.error.code).toBe('DATABASE');
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['lock:done', 'pending:already-done', 'apply:failed']);
    expect(envText(p.dir)).toBe(before);

    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', ...direct()]);
    expect(result.code, result.all).toBe(0);
    await expectFinished(p, pending.value);
  });

  it('database container down (compose): refused before anything is written (TOOL); the next run rotates', async () => {
    const p = await project();
    const before = envText(p.dir);
    const down = await p.run(['rotate', 'POSTGRES_PASSWORD', ...compose()], { env: { ENVKIT_TEST_COMPOSE_DOWN: '1' } });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/rotation of POSTGRES_PASSWORD not started: the db container \(project_db_1\) is not running: it is exited/);
    expect(down.stderr).toMatch(/start it: `.*podman-compose --podman-path \S+ up -d db`; nothing was changed/);
    expect(envText(p.dir)).toBe(before);
    expect(pendingOf(p)).toBeUndefined();
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', ...compose()]);
    expect(result.code, result.all).toBe(0);
    await expectFinished(p);
  });

  it('a rotation that changed the database but not .env: check is an error whose fix, run as printed, finishes it', async () => {
    const p = await project();
    // The new password is applied, then its test fails (the role's password has expired): .env keeps the old.
    await pg.psql(`ALTER ROLE "${p.user}" VALID UNTIL '2000-01-01';`);
    const stopped = await p.run(['rotate', 'POSTGRES_PASSWORD', ...compose(), '--no-keyring']);
    expect(stopped.code, stopped.all).toBe(3);
    expect(pendingOf(p)).toMatchObject({ step: 'applied', via: { compose: FAKE_COMPOSE.split(' '), service: 'db', appService: 'memu' } });
    const check = await p.run(['--json', 'check', '--no-git', '--no-compose']);
    expect(check.code, check.all).toBe(1);
    const finding = (JSON.parse(check.stdout) as { findings: { rule: string; severity: string; fix: string; message: string }[] }).findings.find((f) => f.rule === 'rotation.pending')!;
    expect(finding).toMatchObject({ severity: 'error', fix: 'envkit rotate POSTGRES_PASSWORD' });
    expect(finding.message).toMatch(/the database already has the new POSTGRES_PASSWORD while \.env has the old one/);
    // --abort refuses: the database has it, the only way is forward.
    const abort = await p.run(['rotate', 'POSTGRES_PASSWORD', '--abort']);
    expect(abort.code, abort.all).toBe(1);
    expect(abort.stderr).toMatch(/cannot be abandoned: the database already has the new password/);
    await pg.psql(`ALTER ROLE "${p.user}" VALID UNTIL 'infinity';`);
    const fixed = await p.run(finding.fix.split(' ').slice(1).concat('--no-keyring'));
    expect(fixed.code, fixed.all).toBe(0);
    expect(fixed.stdout).toMatch(/^  pending +already done +resuming/m);
    await expectFinished(p);
    const again = await p.run(['check', '--no-git', '--no-compose']);
    expect(again.stdout).not.toMatch(/rotation\.pending|unfinished/);
  });

  it('--abort abandons a rotation the database never got, after proving it', async () => {
    const p = await project();
    const before = envText(p.dir);
    const failed = await p.run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'direct', '--db-host', pg.host, '--db-port', '1', '--no-keyring']);
    expect(failed.code).toBe(3);
    expect(pendingOf(p)).toMatchObject({ apply: 'direct', via: { dbHost: pg.host, dbPort: 1 } });
    // Settings as recorded (port 1): it cannot tell, so it refuses.
    const unknown = await p.run(['rotate', 'POSTGRES_PASSWORD', '--abort']);
    expect(unknown.code, unknown.all).toBe(1);
    expect(unknown.stderr).toMatch(/cannot tell whether the database has it/);
    const aborted = await p.run(['rotate', 'POSTGRES_PASSWORD', '--abort', ...direct()]);
    expect(aborted.code, aborted.all).toBe(0);
    expect(aborted.stdout).toMatch(/^Abandoned the rotation of POSTGRES_PASSWORD started .* \(127\.0\.0\.1:\d+ refuses the new password\)\./m);
    expect(pendingOf(p)).toBeUndefined();
    expect(envText(p.dir)).toBe(before);
    expect(await login(p, values(p.dir).POSTGRES_PASSWORD!)).toEqual({ ok: true });
    const none = await p.run(['rotate', 'POSTGRES_PASSWORD', '--abort']);
    expect(none.stdout).toBe('No rotation of POSTGRES_PASSWORD is pending: nothing to abort.\n');
  });

  it('database container stopped while a rotation is pending: the resumed run stops at apply; the next one finishes', async () => {
    const p = await project();
    const killed = await p.run(['rotate', 'POSTGRES_PASSWORD', ...direct(), '--db-port', '1']);
    expect(killed.code).toBe(3);
    const pending = pendingOf(p)!;
    const down = await p.run(['rotate', 'POSTGRES_PASSWORD', ...compose()], { env: { ENVKIT_TEST_COMPOSE_DOWN: '1' } });
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/stopped at step "apply": the db container \(project_db_1\) is not running: it is exited/);
    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', ...compose()]);
    expect(result.code, result.all).toBe(0);
    await expectFinished(p, pending.value);
  });

  it('current password wrong: direct stops at apply, nothing changed; compose (no password needed) finishes', async () => {
    const p = await project();
    const actual = 'Actual_password_the_db_has_0123456789';
    await pg.psql(`SET log_statement = 'none';\nALTER ROLE "${p.user}" PASSWORD '${actual}';\n`);
    const before = envText(p.dir);
    const refused = await p.run(['rotate', 'POSTGRES_PASSWORD', ...direct()]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/stopped at step "apply": PostgreSQL at 127\.0\.0\.1:\d+ refused the current password for user "fault_user_\d+"/);
    expect(refused.stderr).toMatch(/apply the change through compose instead, which needs no password/);
    expect(envText(p.dir)).toBe(before);
    expect(await login(p, actual)).toEqual({ ok: true });
    const pending = pendingOf(p)!;

    const result = await p.run(['rotate', 'POSTGRES_PASSWORD', ...compose()]);
    expect(result.code, result.all).toBe(0);
    await expectFinished(p, pending.value);
    expect(await login(p, actual)).toMatchObject({ ok: false, reason: 'auth' });
    expectNoLeak(p, [actual]);
  });

  it('two rotations at once: one runs, the other reports busy (exit 3); they never disagree', async () => {
    const p = await project();
    // A podman that takes its time, so the first rotation still holds the lock when the second starts.
    const slow = join(p.dir, 'slow-podman');
    writeFileSync(slow, `#!/bin/sh\nsleep 1.5\nexec ${FAKES}/podman "$@"\n`, { mode: 0o755 });
    const slowCompose = `${FAKES}/podman-compose --podman-path ${slow}`;
    const [a, b] = await Promise.all([
      p.run(['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', slowCompose]),
      p.run(['rotate', 'POSTGRES_PASSWORD', '--compose-cmd', slowCompose]),
    ]);
    const codes = [a!.code, b!.code].sort();
    expect(codes, `${a!.all}\n---\n${b!.all}`).toEqual([0, 3]);
    const busy = a!.code === 3 ? a! : b!;
    expect(busy.stderr).toMatch(/^envkit: another envkit \(pid \d+, rotate, since .*\) is working on this project/m);
    expect(busy.stdout).toMatch(/^  lock +FAILED/m);
    await expectFinished(p);
  });
});
