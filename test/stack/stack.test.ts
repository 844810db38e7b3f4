// The core job on the real stack: memu's production compose file (plus a test override) under the real
// podman-compose 1.0.3 and podman, with a PostgreSQL+pgvector image that behaves like the official one,
// a memu stand-in that logs in with MEMU_DB_URL on every request, and an Ollama stand-in.
// In order: init and up, check --online, rotate --apply compose --restart with every process's argv sampled,
// down and up again, kill -9 at each rotation step then resume, a rotation against a stopped database, and a
// fleet's way: a host's .env decrypted from an encrypted environment, rotated there with --env, deployed again.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePassword, parseDocument } from 'envkit';
import { canLogin } from 'envkit/rotate';
import { CLI_NODE, ENVKIT_BIN, runProcess } from '../helpers/cli.js';
import { requireTool } from '../helpers/require.js';
import { testdir } from '../helpers/testdir.js';
import { appStatus, BUILD_IMAGES, createStack, hasStack, type Stack } from '../helpers/stack.js';
import { fragments, startWatcher } from '../reliability/support.js';

const PROC_WATCHER = new URL('../reliability/fixtures/proc-watcher.mjs', import.meta.url).pathname;
const withStack = requireTool('podman, podman-compose, runc and the test images', hasStack(), BUILD_IMAGES);

interface ProcessReport {
  sweeps: number;
  commands: Record<string, number>;
  hits: { pid: number; command: string; where: 'argv' | 'environment'; needle: number }[];
}

describe.runIf(withStack).sequential('memu on a real podman-compose stack', { timeout: 300_000 }, () => {
  let stack: Stack;
  /** Every password and URL the stack has held: none may appear in any argv or output. */
  const secrets = new Set<string>();
  const outputs: string[] = [];

  const values = (): Record<string, string> => parseDocument(readFileSync(join(stack.dir, '.env'), 'utf8')).toObject();
  const remember = () => {
    const v = values();
    for (const key of ['POSTGRES_PASSWORD', 'MEMU_DB_URL']) if (v[key]) secrets.add(v[key]!);
    return v;
  };
  const run = async (args: string[], expectCode: number | null = 0, env: NodeJS.ProcessEnv = {}) => {
    const result = await stack.envkit(args, { env });
    outputs.push(result.all);
    if (expectCode !== null) expect(result.code, `envkit ${args.join(' ')}\n${result.all}`).toBe(expectCode);
    return result;
  };
  /** A login over TCP from this host to the db container, as memu's driver does inside the network. */
  const login = (password: string) => {
    const v = values();
    return canLogin({ host: stack.address('db'), port: 5432, user: v.POSTGRES_USER!, database: v.POSTGRES_DB! }, password, { timeoutMs: 10_000 });
  };
  const pendingFile = () => join(stack.dir, '.env.envkit-pending');

  beforeAll(async () => {
    stack = createStack();
  });
  afterAll(async () => {
    await stack?.remove();
    for (const output of outputs) for (const secret of secrets) expect(output).not.toContain(secret);
  });

  it('init, then up: both healthchecks pass and memu logs in with MEMU_DB_URL', async () => {
    await run(['init', '--no-input', '--no-keyring', '--set', 'OLLAMA_API_BASE_URL=http://ollama:11434/api']);
    remember();
    const up = await stack.compose(['up', '-d']);
    expect(up.all).toMatch(/--env-file \S+\/\.env/);
    for (const secret of secrets) expect(up.all).not.toContain(secret);
    await stack.waitHealthy('db');
    await stack.waitHealthy('memu');
    expect(await appStatus(stack)).toEqual({ status: 200, body: '{"status": "ok", "database": true}' });
    expect(await login(values().POSTGRES_PASSWORD!)).toEqual({ ok: true });
  });

  it('status: every service running and healthy, environment as .env, the database accepts it, Ollama reached from memu', async () => {
    const result = await run(['--json', 'status', ...stack.composeArgs]);
    const report = JSON.parse(result.stdout) as { ok: boolean; services: { service: string; state: string; health?: string; restart?: string; staleKeys: string[] }[]; findings: unknown[] };
    expect(report).toMatchObject({ ok: true, findings: [] });
    expect(report.services.map((s) => [s.service, s.state, s.health, s.restart, s.staleKeys])).toEqual([
      ['memu', 'running', 'healthy', 'always', []],
      ['db', 'running', 'healthy', 'always', []],
      ['ollama', 'running', 'none', 'always', []],
    ]);
  });

  it('check --online logs in to the running database; Ollama, a compose service name, is left to `envkit status`', async () => {
    const result = await run(['check', '--online', '--db-host', stack.address('db'), '--db-port', '5432', '--compose-file', 'docker-compose.yml', '--compose-file', 'compose.override.yml', '--json'], null);
    const report = JSON.parse(result.stdout) as { probes: { name: string; ok: boolean }[]; findings: { rule: string; key?: string; severity: string }[] };
    expect(report.probes).toEqual([expect.objectContaining({ name: `database memu_production_user@${stack.address('db')}:5432/memu_db`, ok: true })]);
    expect(report.findings).toContainEqual(expect.objectContaining({ rule: 'online.compose-host', key: 'OLLAMA_API_BASE_URL', severity: 'info' }));
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('rotate --apply compose --restart: memu is healthy on the new password, the old one is refused, no secret on any argv', async () => {
    const before = remember();
    const needles = join(stack.dir, '..', `${stack.name}.needles`);
    let report: ProcessReport;
    const watched = async (body: () => Promise<void>) => {
      // The passwords, whole or in pieces (a URL's only secret part is its password, and these need no encoding).
      const passwords = [...secrets].filter((s) => !s.includes('://'));
      writeFileSync(needles, passwords.flatMap((s) => fragments(s)).join('\n'), { mode: 0o600 });
      const watcher = await startWatcher<ProcessReport>(PROC_WATCHER, [needles]);
      try {
        await body();
      } finally {
        report = await watcher.stop();
      }
    };
    // The new password is given on stdin, so the sampler knows it too: neither old nor new may be on any argv.
    const next = generatePassword();
    secrets.add(next);
    let result!: Awaited<ReturnType<typeof run>>;
    await watched(async () => {
      result = await stack.envkit(['rotate', 'POSTGRES_PASSWORD', '--stdin', '--apply', 'compose', '--restart', '--no-keyring', ...stack.composeArgs], { input: `${next}\n` });
      outputs.push(result.all);
      expect(result.code, result.all).toBe(0);
    });
    const after = remember();
    expect(after.POSTGRES_PASSWORD).toBe(next);
    expect(result.stdout).toMatch(/^  apply +done +ALTER ROLE .* \(confirmed by psql\)$/m);
    expect(result.stdout).toMatch(/^  test +done +the stored SCRAM verifier of role "memu_production_user" matches the new password/m);
    expect(result.stdout).toMatch(/^  restart +done +ran podman-compose .*up -d --force-recreate memu; the new memu container is running with the new MEMU_DB_URL$/m);
    const argvHits = report!.hits.filter((h) => h.where === 'argv');
    expect(argvHits, JSON.stringify(report!.hits)).toEqual([]);
    expect(report!.commands['podman-compose']).toBeGreaterThan(0);
    expect(report!.commands.podman).toBeGreaterThan(0);

    await stack.waitHealthy('memu');
    expect(await appStatus(stack)).toEqual({ status: 200, body: '{"status": "ok", "database": true}' });
    expect(await login(after.POSTGRES_PASSWORD!)).toEqual({ ok: true });
    expect(await login(before.POSTGRES_PASSWORD!)).toMatchObject({ ok: false, reason: 'auth' });
    const env = await stack.exec('memu', ['python3', '-c', 'import os,hashlib; print(hashlib.sha256(os.environ["MEMU_DB_URL"].encode()).hexdigest())']);
    const { createHash } = await import('node:crypto');
    expect(env.stdout.trim()).toBe(createHash('sha256').update(after.MEMU_DB_URL!).digest('hex'));

    // And the new values, sampled through a whole down/up and another --restart.
    await watched(async () => {
      await stack.compose(['down']);
      await stack.compose(['up', '-d']);
    });
    expect(report!.hits.filter((h) => h.where === 'argv'), JSON.stringify(report!.hits)).toEqual([]);
    expect(report!.commands.podman).toBeGreaterThan(0);
  });

  it('down, then up again: the volume kept the rotated password', async () => {
    await stack.compose(['down']);
    await stack.compose(['up', '-d']);
    await stack.waitHealthy('db');
    await stack.waitHealthy('memu');
    expect(await appStatus(stack)).toEqual({ status: 200, body: '{"status": "ok", "database": true}' });
    expect(await login(values().POSTGRES_PASSWORD!)).toEqual({ ok: true });
  });

  it.each(['pending', 'apply', 'test', 'write'])('kill -9 after the %s step, then `envkit rotate POSTGRES_PASSWORD` alone finishes it', async (step) => {
    const before = remember();
    const child = spawn(CLI_NODE, ['--', ENVKIT_BIN, 'rotate', 'POSTGRES_PASSWORD', '--no-keyring', ...stack.composeArgs], {
      cwd: stack.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const killed = await new Promise<boolean>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (new RegExp(`^  ${step} +(done|already done)`, 'm').test(out) && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve(true);
        }
      });
      child.on('exit', () => resolve(false));
    });
    outputs.push(out);
    expect(killed, out).toBe(true);
    await new Promise((r) => child.on('close', r));
    if (step === 'write' && !existsSync(pendingFile())) {
      // The kill landed after the finish step too (it removes the pending file right after the write): the
      // rotation is complete, and .env and the database agree.
      const done = remember();
      expect(done.POSTGRES_PASSWORD).not.toBe(before.POSTGRES_PASSWORD);
      expect(await login(done.POSTGRES_PASSWORD!)).toEqual({ ok: true });
      return;
    }
    // Killed before its .env write: .env still logs in, or the database has the pending value.
    const pending = JSON.parse(readFileSync(pendingFile(), 'utf8')) as { value: string; via: Record<string, unknown> };
    secrets.add(pending.value);
    expect(pending.via).toMatchObject({ files: ['docker-compose.yml', 'compose.override.yml'], project: stack.name, service: 'db' });

    const resumed = await run(['rotate', 'POSTGRES_PASSWORD', '--no-keyring']);
    expect(resumed.stdout).toMatch(/^  pending +already done +resuming the rotation/m);
    const after = remember();
    expect(after.POSTGRES_PASSWORD).toBe(pending.value);
    expect(after.POSTGRES_PASSWORD).not.toBe(before.POSTGRES_PASSWORD);
    expect(existsSync(pendingFile())).toBe(false);
    expect(await login(after.POSTGRES_PASSWORD!)).toEqual({ ok: true });
    expect(await login(before.POSTGRES_PASSWORD!)).toMatchObject({ ok: false, reason: 'auth' });
  });

  it('the app comes back on the resumed password after a restart', async () => {
    await stack.compose(['up', '-d', '--force-recreate', 'memu']);
    await stack.waitHealthy('memu');
    expect(await appStatus(stack)).toEqual({ status: 200, body: '{"status": "ok", "database": true}' });
  });

  it('status names a container started before .env changed, and its fix works as printed', async () => {
    await run(['set', 'OPENROUTER_BASE_URL=https://openrouter.example.test/api/v1']);
    const stale = await run(['status', ...stack.composeArgs], 0);
    expect(stale.stdout).toMatch(/^memu +\S+_memu_1, running, healthy, restart always, env stale: OPENROUTER_BASE_URL$/m);
    expect(stale.stdout).toMatch(/^warning +memu: the container was started before \.env changed: OPENROUTER_BASE_URL differs from \.env$/m);
    const fix = /fix: (podman-compose .* up -d --force-recreate memu)$/m.exec(stale.stdout)![1]!;
    const recreated = await runProcess('sh', ['-c', fix], { cwd: stack.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeoutMs: 180_000 });
    expect(recreated.code, recreated.all).toBe(0);
    await stack.waitHealthy('memu');
    const after = await run(['status', ...stack.composeArgs], 0);
    expect(after.stdout).toMatch(/^memu +\S+_memu_1, running, healthy, restart always, env up to date$/m);
  });

  it('a rotation while the db container is stopped fails with that diagnosis and changes nothing', async () => {
    const before = readFileSync(join(stack.dir, '.env'), 'utf8');
    const stop = await stack.compose(['stop', 'db']);
    expect(stop.code, stop.all).toBe(0);
    const result = await run(['rotate', 'POSTGRES_PASSWORD', '--no-keyring', ...stack.composeArgs], 3);
    expect(result.stderr).toMatch(new RegExp(`rotation of POSTGRES_PASSWORD not started: the db container \\(${stack.name}_db_1\\) is not running: it is (exited|stopped)`));
    expect(result.stderr).toMatch(/nothing was changed: \.env and the database keep the current POSTGRES_PASSWORD/);
    expect(result.stderr).toContain(`start it: \`podman-compose '--podman-run-args=--runtime runc' -f docker-compose.yml -f compose.override.yml -p ${stack.name} up -d db\``);
    expect(readFileSync(join(stack.dir, '.env'), 'utf8')).toBe(before);
    expect(existsSync(pendingFile())).toBe(false);
    const status = await run(['status', ...stack.composeArgs], 1);
    expect(status.stdout).toMatch(new RegExp(`^error +db: container ${stack.name}_db_1 is (exited|stopped)$`, 'm'));
    // The hint works as printed.
    await stack.compose(['up', '-d', 'db']);
    await stack.waitHealthy('db');
    expect(await login(values().POSTGRES_PASSWORD!)).toEqual({ ok: true });
  });
  it('a fleet: the host decrypts environment production to .env and the stack runs on it; rotated there with --env, the printed deploy brings memu back on the new password', async () => {
    // The operator's identity and the host's key file, each in a config directory of its own.
    const operator = { XDG_CONFIG_HOME: testdir() };
    const hostConfig = testdir();
    const host = { ENVKIT_IDENTITY_FILE: join(hostConfig, 'envkit', 'identity.txt') };
    const as = (env: NodeJS.ProcessEnv, args: string[]) => run(args, 0, env);
    const hostRecipient = (await as({ XDG_CONFIG_HOME: hostConfig }, ['identity', '--no-keyring'])).stdout.trim();
    await as(operator, ['identity', '--no-keyring']);
    await as(operator, ['recipients', 'add', '--env', 'production', '--name', 'operator']);
    await as(operator, ['recipients', 'add', '--env', 'production', hostRecipient, '--name', 'host']);
    await as(operator, ['encrypt', '--env', 'production', '--from', '.env']);
    const before = remember();

    // The host: its .env comes from the environment (0600), and the stack runs on it.
    writeFileSync(join(stack.dir, '.env'), '');
    await as(host, ['decrypt', '--env', 'production', '--force']);
    expect(values()).toEqual(before);
    expect(statSync(join(stack.dir, '.env')).mode & 0o777).toBe(0o600);
    await stack.compose(['up', '-d', '--force-recreate', 'memu']);
    await stack.waitHealthy('memu');
    expect(await appStatus(stack)).toEqual({ status: 200, body: '{"status": "ok", "database": true}' });

    // Rotated on the host with its own key: the database and the encrypted file; .env waits for the deploy.
    const rotated = await as(host, ['rotate', 'POSTGRES_PASSWORD', '--env', 'production', '--apply', 'compose', ...stack.composeArgs]);
    expect(rotated.stdout).toMatch(/^Next: deploy environment production again where the app reads it \(`envkit decrypt --env production --force` on the host/m);
    const recreate = /^ +(podman-compose .* up -d --force-recreate memu)$/m.exec(rotated.stdout)?.[1];
    expect(recreate, rotated.stdout).toBeDefined();
    // Revealed on purpose: not among the outputs that afterAll scans for secrets.
    const revealed = await stack.envkit(['get', '--env', 'production', 'POSTGRES_PASSWORD', '--reveal'], { env: operator });
    expect(revealed.code, revealed.stderr).toBe(0);
    const next = revealed.stdout.trim();
    secrets.add(next);
    expect(next).not.toBe(before.POSTGRES_PASSWORD);
    expect(values()).toEqual(before);
    expect(await login(next)).toEqual({ ok: true });
    expect(await login(before.POSTGRES_PASSWORD!)).toMatchObject({ ok: false, reason: 'auth' });

    // The deploy, as printed: decrypt, then recreate the app.
    const shell = { PATH: process.env.PATH, HOME: process.env.HOME, ...host };
    for (const command of ['envkit decrypt --env production --force', recreate!]) {
      const [program, ...args] = command.startsWith('envkit ') ? [CLI_NODE, '--', ENVKIT_BIN, ...command.split(' ').slice(1)] : ['sh', '-c', command];
      const done = await runProcess(program!, args, { cwd: stack.dir, env: shell, timeoutMs: 180_000 });
      outputs.push(done.all);
      expect(done.code, `${command}\n${done.all}`).toBe(0);
    }
    remember();
    expect(values().POSTGRES_PASSWORD).toBe(next);
    await stack.waitHealthy('memu');
    expect(await appStatus(stack)).toEqual({ status: 200, body: '{"status": "ok", "database": true}' });
    await as(host, ['check', '--no-git', '--no-compose']);
  });
});
