import * as fs from 'node:fs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireLock, readLock, withLock, withLockAsync } from './lock.js';
import { thrown } from '../../../../test/helpers/errors.js';
import { testdir } from '../../../../test/helpers/testdir.js';

// Interleaving injection: pass-through by default; one test runs code right after a read of the lock.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, openSync: vi.fn(actual.openSync) };
});
beforeEach(() => {
  vi.mocked(fs.openSync).mockReset();
});

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});


/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function writeLockFile(path: string, holder: Record<string, unknown>): void {
  writeFileSync(path, `${JSON.stringify({ hostname: hostname(), startedAt: '2025-01-01T00:00:00.000Z', purpose: 'rotate', token: 'old', ...holder })}\n`, { mode: 0o600 });
}

const jiti = createRequire(import.meta.url).resolve('jiti');
const lockModule = fileURLToPath(new URL('./lock.ts', import.meta.url));

/**
 * Start a node process running `body` with the real lock.ts loaded as `m` (through jiti, which the
 * workspace has; no build needed). `body` is CommonJS and may use `sleep(ms)` and `report(obj)`.
 */
function startChild(body: string): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const script = `
    const fs = require('node:fs');
    const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    const report = (obj) => process.stdout.write(JSON.stringify(obj) + '\\n');
    require(${JSON.stringify(jiti)}).createJiti(${JSON.stringify(lockModule)}, { fsCache: false })
      .import(${JSON.stringify(lockModule)}).then(async (m) => { ${body} });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, done };
}

/** Resolve when the child has printed a line containing `text`. */
function waitFor(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) resolve();
    });
    child.on('close', () => reject(new Error(`child ended before printing ${text}: ${seen}`)));
  });
}

/**
 * Start `n` children running `body` at the same moment: each loads lock.ts, says it is ready and polls for
 * a go file, which is written once all are ready (loading takes seconds on a small machine). Resolves with
 * each child's pid and last output line, parsed.
 */
async function runTogether<T>(dir: string, n: number, body: string): Promise<{ pid: number | undefined; answer: T }[]> {
  const go = join(dir, 'go');
  const runs = Array.from({ length: n }, () =>
    startChild(`report({ ready: true }); while (!fs.existsSync(${JSON.stringify(go)})) sleep(1); ${body}`),
  );
  await Promise.all(runs.map((r) => waitFor(r.child, 'ready')));
  writeFileSync(go, '');
  const results = await Promise.all(runs.map((r) => r.done));
  rmSync(go);
  return results.map((r, i) => {
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return { pid: runs[i]?.child.pid, answer: JSON.parse(r.out.trim().split('\n').at(-1) ?? '') as T };
  });
}

describe('acquireLock', () => {
  it('creates a 0600 lock file naming the holder, and release removes it', () => {
    const path = join(testdir(), '.env.envkit-lock');
    const lock = acquireLock(path, { purpose: 'rotate' });
    expect(lock.path).toBe(path);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(holder).toMatchObject({ pid: process.pid, hostname: hostname(), purpose: 'rotate' });
    expect(Date.now() - Date.parse(holder.startedAt as string)).toBeLessThan(5_000);
    expect(readLock(path)).toMatchObject({ pid: process.pid, purpose: 'rotate' });
    lock.release();
    expect(existsSync(path)).toBe(false);
    lock.release(); // twice is harmless
    expect(readLock(path)).toBeUndefined();
  });

  it('leaves no temp or break file behind', () => {
    const dir = testdir();
    writeLockFile(join(dir, 'lock'), { pid: deadPid() });
    const lock = acquireLock(join(dir, 'lock'));
    expect(readdirSync(dir)).toEqual(['lock']);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('answers BUSY at once with the live holder’s pid and purpose; takes over once the holder is killed', async () => {
    const path = join(testdir(), 'lock');
    const { child, done } = startChild(`m.acquireLock(${JSON.stringify(path)}, { purpose: 'rotate' }); report({ locked: true }); setInterval(() => {}, 1000);`);
    await waitFor(child, 'locked');
    const started = Date.now();
    const error = thrown(() => acquireLock(path, { purpose: 'set' }));
    expect(Date.now() - started).toBeLessThan(200); // never waits
    expect(error.code).toBe('BUSY');
    expect(error.message).toMatch(new RegExp(`^another envkit \\(pid ${child.pid}, rotate, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\) is working on this project$`));
    expect(error.hint).toContain(path);
    expect(error.path).toBe(path);
    expect(readLock(path)?.pid).toBe(child.pid);

    child.kill('SIGKILL'); // no release: the lock file stays, stale
    await done;
    expect(existsSync(path)).toBe(true);
    const lock = acquireLock(path, { purpose: 'set' });
    expect(readLock(path)).toMatchObject({ pid: process.pid, purpose: 'set' });
    lock.release();
  });

  it('takes over a stale lock left by a finished process', () => {
    const path = join(testdir(), 'lock');
    writeLockFile(path, { pid: deadPid() });
    const lock = acquireLock(path, { purpose: 'init' });
    expect(readLock(path)).toMatchObject({ pid: process.pid, purpose: 'init' });
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('never takes over a lock from another host', () => {
    const path = join(testdir(), 'lock');
    writeLockFile(path, { pid: deadPid(), hostname: 'other-host.example' });
    const error = thrown(() => acquireLock(path));
    expect(error.message).toContain('on host other-host.example, rotate');
    expect(error.hint).toContain(`remove ${path}`);
    expect(existsSync(path)).toBe(true);
  });

  it('refuses a lock file it cannot read, with the command that removes it', () => {
    const path = join(testdir(), 'lock');
    writeFileSync(path, '');
    const error = thrown(() => acquireLock(path));
    expect(error.code).toBe('BUSY');
    expect(error.hint).toBe(`if no envkit is running on this project, remove it: rm ${path}`);
    writeFileSync(path, JSON.stringify({ pid: 0, hostname: hostname(), startedAt: 'x', purpose: 'x', token: 'x' }));
    expect(thrown(() => acquireLock(path)).code).toBe('BUSY'); // pid 0 would mean "my process group"
  });

  it('is not re-entrant within one process', () => {
    const path = join(testdir(), 'lock');
    const lock = acquireLock(path, { purpose: 'rotate' });
    expect(thrown(() => acquireLock(path)).message).toContain('this process already holds the lock');
    lock.release();
  });

  it('release does not remove a lock that is no longer ours', () => {
    const path = join(testdir(), 'lock');
    const lock = acquireLock(path);
    writeLockFile(path, { pid: 1, token: 'someone-else' });
    lock.release();
    expect(readLock(path)?.token).toBe('someone-else');
  });

  it('does not break a lock that another process took over between its read and its break', () => {
    const path = join(testdir(), 'lock');
    writeLockFile(path, { pid: deadPid() });
    const live = process.ppid; // certainly alive, not us
    const original = vi.mocked(fs.openSync).getMockImplementation();
    let first = true;
    // The lock is read through an fd (no hang on a FIFO): once it is open, what was read is what was seen.
    vi.mocked(fs.openSync).mockImplementation(((...args: Parameters<typeof fs.openSync>) => {
      const result = original?.(...args);
      if (first && args[0] === path) {
        first = false;
        // We have seen the stale lock; another envkit takes it over before we act on what we saw.
        fs.rmSync(path);
        writeLockFile(path, { pid: live, purpose: 'rotate', token: 'winner' });
      }
      return result;
    }) as typeof fs.openSync);
    const error = thrown(() => acquireLock(path, { purpose: 'set' }));
    expect(error.message).toContain(`another envkit (pid ${live}, rotate,`);
    expect(readLock(path)?.token).toBe('winner');
  });

  it('clears a .break file left by a crash (older than 10 s)', () => {
    const path = join(testdir(), 'lock');
    writeLockFile(path, { pid: deadPid() });
    writeFileSync(`${path}.break`, '1\n');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${path}.break`, old, old);
    const lock = acquireLock(path);
    expect(existsSync(`${path}.break`)).toBe(false);
    lock.release();
  });

  it('reports BUSY (not a hang) while a fresh .break is held by another process', () => {
    const path = join(testdir(), 'lock');
    writeLockFile(path, { pid: deadPid() });
    writeFileSync(`${path}.break`, '1\n');
    const started = Date.now();
    expect(thrown(() => acquireLock(path)).message).toBe('another envkit is taking over the stale lock of this project');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('withLock / withLockAsync', () => {
  it('releases when the function throws, and passes its result through', async () => {
    const path = join(testdir(), 'lock');
    expect(() => withLock(path, 'set', () => {
      expect(readLock(path)?.purpose).toBe('set');
      throw new Error('boom');
    })).toThrow('boom');
    expect(existsSync(path)).toBe(false);
    expect(withLock(path, 'set', () => 42)).toBe(42);
    await expect(withLockAsync(path, 'rotate', async () => {
      expect(readLock(path)?.purpose).toBe('rotate');
      await new Promise((r) => setTimeout(r, 10));
      throw new Error('late boom');
    })).rejects.toThrow('late boom');
    expect(existsSync(path)).toBe(false);
    await expect(withLockAsync(path, 'rotate', async () => 'ok')).resolves.toBe('ok');
  });
});

describe('concurrency (real processes, the real lock.ts)', () => {
  const N = 8;

  it(`${N} processes contending: exactly one inside at a time, every one gets its turns`, async () => {
    const dir = testdir();
    const path = join(dir, 'lock');
    const inside = join(dir, 'inside');
    const rounds = 5;
    const results = await runTogether<{ wins: number; busy: number; violations: number }>(dir, N, `
      let wins = 0, busy = 0, violations = 0;
      const until = Date.now() + 20000;
      while (wins < ${rounds} && Date.now() < until) {
        let lock;
        try { lock = m.acquireLock(${JSON.stringify(path)}, { purpose: 'test' }); }
        catch (e) { if (e.code !== 'BUSY') throw e; busy++; sleep(Math.random() * 3); continue; }
        try { fs.writeFileSync(${JSON.stringify(inside)}, String(process.pid), { flag: 'wx' }); }
        catch { violations++; }
        sleep(2);
        fs.rmSync(${JSON.stringify(inside)}, { force: true });
        lock.release();
        wins++;
        sleep(1);
      }
      report({ wins, busy, violations });`);
    const answers = results.map((r) => r.answer);
    expect(answers.reduce((n, a) => n + a.violations, 0)).toBe(0);
    expect(answers.map((a) => a.wins)).toEqual(Array(N).fill(rounds));
    expect(answers.reduce((n, a) => n + a.busy, 0)).toBeGreaterThan(0); // there was contention to prove anything
    expect(readdirSync(dir)).toEqual([]);
  });

  it(`${N} processes racing to take over one stale lock: exactly one wins, in each of 5 rounds`, async () => {
    const dir = testdir();
    const path = join(dir, 'lock');
    const go = join(dir, 'go-');
    const rounds = 5;
    // One set of children for all rounds: loading lock.ts takes seconds on a small machine.
    const runs = Array.from({ length: N }, () =>
      startChild(`
        report({ ready: true });
        for (let round = 0; round < ${rounds}; round++) {
          while (!fs.existsSync(${JSON.stringify(go)} + round)) sleep(1);
          try {
            const lock = m.acquireLock(${JSON.stringify(path)}, { purpose: 'race' });
            sleep(300); // hold it while the others look
            lock.release();
            report({ round, won: true });
          } catch (e) { report({ round, won: false, code: e.code, message: e.message }); }
        }`),
    );
    await Promise.all(runs.map((r) => waitFor(r.child, 'ready')));
    for (let round = 0; round < rounds; round++) {
      writeLockFile(path, { pid: deadPid() });
      const answered = Promise.all(runs.map((r) => waitFor(r.child, `{"round":${round},`)));
      writeFileSync(go + round, '');
      await answered;
    }
    const results = await Promise.all(runs.map((r) => r.done));
    const lines = results.map((r) => {
      expect(r.err).toBe('');
      return r.out.trim().split('\n').slice(1).map((line) => JSON.parse(line) as { round: number; won: boolean; code?: string; message?: string });
    });
    for (let round = 0; round < rounds; round++) {
      const answers = lines.map((l, i) => ({ pid: runs[i]?.child.pid, answer: l[round] }));
      const winners = answers.filter((a) => a.answer?.won === true);
      expect(winners, `round ${round}`).toHaveLength(1);
      for (const { answer } of answers.filter((a) => a.answer?.won !== true)) {
        expect(answer?.code).toBe('BUSY');
        // Losers name the live winner, or (if they looked mid-takeover) the takeover in progress.
        expect(answer?.message).toMatch(
          new RegExp(`^(another envkit \\(pid ${winners[0]?.pid}, race, since .+\\) is working on this project|another envkit is taking over the stale lock of this project)$`),
        );
      }
    }
    expect(readdirSync(dir).filter((name) => !name.startsWith('go-'))).toEqual([]);
  });
});
