// What a killed envkit leaves beside the env file, and how the next run deals with it — the deterministic
// counterpart of crash.test.ts: each leftover is planted exactly, with the pid of a process that is gone
// (or one that is alive, which must be left alone).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setValues } from 'envkit/project';
import { memuSchema } from 'envkit/memu';
import { acquireLock, sweepStaleFiles } from '../../packages/envkit/src/files/lock.js';
import { memuEnvText, runCli, scratchDir } from './support.js';

/** The pid of a process that has exited (and, within a test, is not reused). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const holder = (pid: number) => `${JSON.stringify({ pid, hostname: hostname(), startedAt: new Date().toISOString(), purpose: 'set', token: `t${pid}` })}\n`;

describe('leftovers of a killed run', () => {
  it('a stale lock and a .break from a breaker killed mid-takeover: the next run takes over at once', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, '.env'), memuEnvText(), { mode: 0o600 });
    const dead = deadPid();
    writeFileSync(join(dir, '.env.envkit-lock'), holder(dead), { mode: 0o600 });
    writeFileSync(join(dir, '.env.envkit-lock.break'), `${JSON.stringify({ pid: deadPid(), hostname: hostname() })}\n`, { mode: 0o600 });
    const started = Date.now();
    const result = await runCli(dir, ['set', '--force', 'POSTGRES_DB=after_takeover']);
    expect(result.code, result.all).toBe(0);
    // Not the 10 s a .break of unknown state waits.
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(readdirSync(dir).sort()).toEqual(['.env']);
  });

  it('a .break of a live process still means "busy": no second breaker', () => {
    const dir = scratchDir();
    const lockPath = join(dir, '.env.envkit-lock');
    writeFileSync(lockPath, holder(deadPid()), { mode: 0o600 });
    writeFileSync(`${lockPath}.break`, `${JSON.stringify({ pid: process.pid, hostname: hostname() })}\n`);
    expect(() => acquireLock(lockPath)).toThrow(/another envkit is taking over the stale lock/);
    expect(existsSync(`${lockPath}.break`)).toBe(true);
  });

  it('the next locked run sweeps every stale temp — .env, pending, example, .gitignore, lock, .break — and a dead .break', () => {
    const dir = scratchDir();
    writeFileSync(join(dir, '.env'), memuEnvText(), { mode: 0o600 });
    const dead = deadPid();
    const stale = [
      '.env.envkit-tmp-0123456789ab',
      '.env.envkit-pending.envkit-tmp-0123456789ab',
      '.env.envkit-backup.envkit-tmp-0123456789ab',
      '.env.example.envkit-tmp-0123456789ab',
      '.gitignore.envkit-tmp-0123456789ab',
      `.env.envkit-lock.envkit-tmp-${dead}-0123456789ab`,
      `.env.envkit-lock.break.envkit-tmp-${dead}-0123456789ab`,
    ];
    for (const name of stale) writeFileSync(join(dir, name), name.includes('lock') ? '' : 'SECRET=leftover\n', { mode: 0o600 });
    writeFileSync(join(dir, '.env.envkit-lock.break'), `${JSON.stringify({ pid: dead, hostname: hostname() })}\n`, { mode: 0o600 });
    // A lock temp of a live process (taking the lock right now) and files that are not envkit's stay.
    const live = `.env.envkit-lock.envkit-tmp-${process.pid}-0123456789ab`;
    writeFileSync(join(dir, live), holder(process.pid), { mode: 0o600 });
    writeFileSync(join(dir, 'notes.envkit-tmp-0123456789ab'), 'not ours');
    setValues({ cwd: dir, schema: memuSchema, values: { POSTGRES_DB: 'swept' }, force: true });
    expect(readdirSync(dir).sort()).toEqual(['.env', live, 'notes.envkit-tmp-0123456789ab'].sort());
  });

  it('the sweep also runs when nothing else changes (the same value set again)', () => {
    const dir = scratchDir();
    writeFileSync(join(dir, '.env'), memuEnvText(), { mode: 0o600 });
    writeFileSync(join(dir, '.env.example.envkit-tmp-aaaaaaaaaaaa'), 'x');
    setValues({ cwd: dir, schema: memuSchema, values: { POSTGRES_DB: 'memu_db' } });
    expect(readdirSync(dir)).toEqual(['.env']);
  });

  it('sweepStaleFiles on a lock that is not a project lock touches only lock temps', () => {
    const dir = scratchDir();
    const dead = deadPid();
    writeFileSync(join(dir, 'app.lock.envkit-tmp-0-x'), '');
    writeFileSync(join(dir, `app.lock.envkit-tmp-${dead}-0123456789ab`), '');
    writeFileSync(join(dir, 'other.envkit-tmp-0123456789ab'), '');
    expect(sweepStaleFiles(join(dir, 'app.lock')).map((p) => p.slice(dir.length + 1))).toEqual([`app.lock.envkit-tmp-${dead}-0123456789ab`]);
    expect(readdirSync(dir).sort()).toEqual(['app.lock.envkit-tmp-0-x', 'other.envkit-tmp-0123456789ab']);
  });
});
