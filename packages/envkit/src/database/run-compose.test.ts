import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '../../../../test/helpers/testdir.js';
import { applyPasswordViaCompose } from './apply-compose.js';
import { composeEnv, runCompose, shownOutput } from './run-compose.js';
import { rejected } from '../../../../test/helpers/errors.js';

const failure = rejected;

const env = { PATH: process.env.PATH };

describe('runCompose', () => {
  it('passes stdin, collects both streams and the exit status', async () => {
    const dir = testdir({ compose: ['#!/bin/sh\nread line\necho "out: $line $*"\necho "err: $PWD" >&2\nexit 3\n', 0o755] });
    const result = await runCompose([join(dir, 'compose'), 'ps'], { cwd: dir, env, secrets: [], stdin: 'hello\n', timeoutMs: 10_000 });
    expect(result).toEqual({ kind: 'exit', code: 3, signal: null, stdout: 'out: hello ps\n', stderr: `err: ${dir}\n` });
  });

  it('returns soon after compose exits even when a grandchild keeps stdout and stderr open', async () => {
    const dir = testdir({ compose: ['#!/bin/sh\nsleep 8 &\necho done\nexit 0\n', 0o755] });
    const started = Date.now();
    const result = await runCompose([join(dir, 'compose')], { cwd: dir, env, secrets: [], timeoutMs: 60_000 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ kind: 'exit', code: 0, stdout: 'done\n' });
  });

  it('stops a compose that hangs with a grandchild holding the pipes, within its time limit', async () => {
    const dir = testdir({ compose: ['#!/bin/sh\nsleep 8 &\nsleep 8\n', 0o755] });
    const started = Date.now();
    const result = await runCompose([join(dir, 'compose')], { cwd: dir, env, secrets: [], timeoutMs: 400 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.kind).toBe('timeout');
    // The password change goes through the same runner.
    const applied = Date.now();
    const project = { compose: { argv: ['podman-compose', '--podman-path', join(dir, 'compose')] }, dir, files: [] };
    const error = await failure(applyPasswordViaCompose({ project, service: 'db', user: 'u', database: 'd', env, timeoutMs: 400 }, 'a-password-for-nothing'));
    expect(error.code).toBe('TOOL');
    expect(error.message).toMatch(/no answer within 400 ms, stopped/);
    expect(Date.now() - applied).toBeLessThan(3_000);
  });

  it('reports a missing command as a spawn error, never a rejection', async () => {
    const result = await runCompose(['envkit-no-such-compose'], { cwd: testdir(), env, secrets: [], timeoutMs: 5_000 });
    expect(result).toMatchObject({ kind: 'spawn-error', error: { code: 'ENOENT' } });
  });

  it('keeps PGPASSWORD and every variable holding a secret out of the child', async () => {
    expect(composeEnv({ PATH: '/bin', PGPASSWORD: 'x', DB_URL: 'postgresql://u:s3cret-value@db/d', OTHER: 'fine' }, ['s3cret-value'])).toEqual({ PATH: '/bin', OTHER: 'fine' });
    const dir = testdir({ compose: ['#!/bin/sh\nenv\n', 0o755] });
    const result = await runCompose([join(dir, 'compose')], { cwd: dir, env: { ...env, POSTGRES_PASSWORD: 's3cret-value', PGPASSWORD: 'pg-secret' }, secrets: ['s3cret-value'], timeoutMs: 5_000 });
    expect(result.kind === 'exit' && result.stdout).not.toMatch(/s3cret-value|pg-secret/);
  });

  it('keeps the tail of a long output cut at a line start, so a secret is never shown in part', async () => {
    const secret = 'Zq9-the-new-password-Xk7';
    // 50 000 lines each holding the secret, more than the runner keeps.
    const dir = testdir({ compose: [`#!/bin/sh\ni=0\nwhile [ $i -lt 50000 ]; do echo "-e POSTGRES_PASSWORD=${secret} line $i"; i=$((i+1)); done >&2\nexit 1\n`, 0o755] });
    const result = await runCompose([join(dir, 'compose')], { cwd: dir, env, secrets: [secret], timeoutMs: 30_000 });
    if (result.kind !== 'exit') throw new Error(result.kind);
    expect(result.stderr.length).toBeLessThan(40_000);
    expect(result.stderr.startsWith('-e POSTGRES_PASSWORD=')).toBe(true);
    expect(result.stderr.endsWith('line 49999\n')).toBe(true);
    const shown = shownOutput(result, [secret], 1_000);
    expect(shown.length).toBeLessThanOrEqual(1_003);
    expect(shown).not.toMatch(/Zq9|Xk7/);
    expect(shown).toMatch(/POSTGRES_PASSWORD=<redacted> line 49999$/);
  });
});
