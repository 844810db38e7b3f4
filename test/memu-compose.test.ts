import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireTool } from './helpers/require.js';
import { testdir } from './helpers/testdir.js';
import {
  capturePodmanCompose,
  dryRunPodmanCompose,
  hasPodmanCompose,
  podmanComposeVersion,
  resolveWithPodmanCompose,
} from './helpers/podman-compose.js';
import { parseVersion, podmanFindings } from '../packages/envkit/src/compose/podman.js';
import { readComposeText } from '../packages/envkit/src/compose/read.js';

const composePath = fileURLToPath(new URL('../examples/memu/docker-compose.yml', import.meta.url));
const composeText = readFileSync(composePath, 'utf8');
const available = requireTool('podman-compose', hasPodmanCompose(), 'apt-get install -y podman-compose');

/** A .env like `envkit init` writes: every value distinct, passwords from [A-Za-z0-9_-]. */
function generatedEnv(): Record<string, string> {
  const token = (n: number): string => randomBytes(n).toString('base64url');
  const user = `memu_${token(6).replace(/-/g, '_')}`;
  const db = `memu_db_${token(4).replace(/-/g, '_')}`;
  const password = token(32);
  return {
    OPENAI_API_KEY: `sk-${token(24)}`,
    OPENROUTER_API_KEY: `sk-or-v1-${token(24)}`,
    OPENROUTER_BASE_URL: 'https://openrouter.ai/api/v1',
    OLLAMA_API_BASE_URL: 'http://192.168.25.165:11434/api',
    POSTGRES_DB: db,
    POSTGRES_USER: user,
    POSTGRES_PASSWORD: password,
    MEMU_DB_URL: `postgresql+psycopg://${user}:${password}@db:5432/${db}`,
  };
}

const envText = (values: Record<string, string>): string =>
  Object.entries(values)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');

describe.runIf(available)('examples/memu/docker-compose.yml under podman-compose', () => {
  it('hands both services .env as --env-file: no value of it on any podman argv', async () => {
    const env = generatedEnv();
    const dir = testdir({ 'docker-compose.yml': composeText, '.env': envText(env) });
    // podman-compose turns `environment:` into `-e KEY=value` (a secret in `ps`); env_file is read by podman.
    const resolved = await resolveWithPodmanCompose(dir);
    expect(resolved).toEqual({ memu: {}, db: {} });
    const capture = await capturePodmanCompose(dir);
    const runs = capture.invocations.filter((argv) => argv[0] === 'run');
    expect(runs).toHaveLength(2);
    for (const argv of runs) {
      expect(argv.flatMap((arg, i) => (arg === '--env-file' ? [argv[i + 1]] : []))).toEqual([expect.stringMatching(/\/\.env$/)]);
    }
    const all = capture.invocations.flat().join('\n') + capture.stdout + capture.stderr;
    for (const value of [env.POSTGRES_PASSWORD, env.MEMU_DB_URL, env.OPENAI_API_KEY, env.OPENROUTER_API_KEY]) expect(all).not.toContain(value);
  });

  it('hands podman the hardening: limits, loopback port, restart, rotation, healthchecks', async () => {
    const dir = testdir({ 'docker-compose.yml': composeText, '.env': envText(generatedEnv()) });
    const capture = await capturePodmanCompose(dir);
    expect(capture.code).toBe(0);
    const runs = capture.invocations.filter((argv) => argv[0] === 'run');
    const byService = (name: string): string[] =>
      runs.find((argv) => argv.includes(`com.docker.compose.service=${name}`)) ?? [];
    const after = (argv: string[], flag: string): string[] =>
      argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1] as string] : []));
    const memu = byService('memu');
    const db = byService('db');
    // db first: depends_on orders the start even where the health condition is ignored.
    expect(runs.indexOf(db)).toBeLessThan(runs.indexOf(memu));
    expect(after(memu, '-m')).toEqual(['2g']);
    expect(after(db, '-m')).toEqual(['1g']);
    expect(after(memu, '-p')).toEqual(['127.0.0.1:8000:8000']);
    expect(after(db, '-p')).toEqual([]);
    // `always`: before podman 5.8 podman-restart.service brings back only those after a reboot.
    expect(after(memu, '--restart')).toEqual(['always']);
    expect(after(db, '--restart')).toEqual(['always']);
    expect(memu).toContain('--log-opt=max-size=10m');
    expect(after(db, '-v')).toEqual([expect.stringMatching(/_postgres_data:\/var\/lib\/postgresql\/data$/)]);
    expect(after(memu, '--healthcheck-interval')).toEqual(['30s']);
    expect(after(memu, '--healthcheck-timeout')).toEqual(['10s']);
    expect(after(memu, '--healthcheck-retries')).toEqual(['3']);
    expect(after(db, '--healthcheck-interval')).toEqual(['10s']);
    expect(after(db, '--healthcheck-start-period')).toEqual(['10s']);
    // `$$` reached the container's shell as `$`: postgres's own environment fills it in.
    expect(after(db, '--healthcheck-command')).toEqual([`/bin/sh -c 'pg_isready -U "\${POSTGRES_USER}" -d "\${POSTGRES_DB}"'`]);
    // Nothing else is left uninterpolated.
    const leftovers = [...memu, ...db].filter((arg) => /\$/.test(arg) && !arg.startsWith('/bin/sh -c'));
    expect(leftovers).toEqual([]);
  });

  it('takes memory limits from .env when set', async () => {
    const dir = testdir({
      'docker-compose.yml': composeText,
      '.env': envText({ ...generatedEnv(), MEMU_MEMORY_LIMIT: '3g', DB_MEMORY_LIMIT: '768m' }),
    });
    const capture = await capturePodmanCompose(dir);
    const limits = capture.invocations.filter((a) => a[0] === 'run').map((argv) => argv[argv.indexOf('-m') + 1]);
    expect(limits.sort()).toEqual(['3g', '768m']);
  });

  it('passes `podman-compose --dry-run up`', async () => {
    const dir = testdir({ 'docker-compose.yml': composeText, '.env': envText(generatedEnv()) });
    const dry = await dryRunPodmanCompose(dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n').filter((l) => /^\S*podman create --name=/.test(l))).toHaveLength(2);
  });

  it('gets the podman warnings right for the installed versions', async () => {
    const podman = spawnSync('podman', ['--version'], { encoding: 'utf8' }).stdout;
    const compose = podmanComposeVersion();
    const findings = podmanFindings(await readComposeText(composeText, 'docker-compose.yml'), { podman, podmanCompose: compose });
    const rules = new Set(findings.map((f) => f.rule));
    const [pm, pc] = [parseVersion(podman), parseVersion(compose)];
    expect(pm).toBeDefined();
    expect(pc).toBeDefined();
    const below = (v: readonly number[] | undefined, min: number[]): boolean =>
      !v || v[0] !== min[0] ? (v?.[0] ?? 0) < (min[0] as number) : (v[1] as number) < (min[1] as number);
    expect(rules.has('compose.podman.service-healthy')).toBe(below(pc, [1, 3]) || below(pm, [4, 6]));
    expect(rules.has('compose.podman.log-max-file')).toBe(true);
  });
});
