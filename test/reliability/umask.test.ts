// Mode under any umask: envkit runs with umask 000 (everything it creates would be world-readable unless it
// sets the mode itself) while a watcher lstat()s the project directory in a tight loop and on every inotify
// event. At no moment may `.env`, its temp files, the pending file or the lock be readable or writable by
// group or others. A control run with a naive writer proves the watcher sees such a moment when there is one.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { budget, modeOf, runCli, scratchDir, startWatcher } from './support.js';

const WATCHER = fileURLToPath(new URL('./fixtures/mode-watcher.mjs', import.meta.url));
const ROUNDS = budget('UMASK_ROUNDS', 12, 6);

interface WatchReport {
  samples: number;
  events: number;
  seen: Record<string, number>;
  violations: { name: string; mode: string; via: string }[];
}

describe('umask 000', () => {
  it(`init, set, rotate, unset (${ROUNDS} rounds): no private file is ever readable by others, even for a moment`, async () => {
    const dir = scratchDir();
    const watcher = await startWatcher<WatchReport>(WATCHER, [dir]);
    const run = async (args: string[], input?: string) => {
      const result = await runCli(dir, args, { umask: 0o000, input });
      expect(result.code, `envkit ${args.join(' ')}:\n${result.all}`).toBe(0);
    };
    await run(['init', '--no-input', '--no-keyring']);
    for (let i = 0; i < ROUNDS; i++) {
      await run(['set', '--force', `POSTGRES_DB=umask_${i}`, `OPENAI_API_KEY=sk-UmaskRound${i}Key7Hy3Gt5Fr1De9`]);
      await run(['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']);
      await run(['rotate', 'OPENROUTER_API_KEY', '--stdin', '--no-keyring'], `sk-or-v1-UmaskRouter${i}Ab4Cd6Ef8Gh\n`);
      await run(['unset', 'OPENAI_API_KEY']);
    }
    const report = await watcher.stop();
    process.stderr.write(`umask: watcher took ${report.samples} directory samples and ${report.events} inotify events; saw ${JSON.stringify(report.seen)}\n`);
    expect(report.violations).toEqual([]);
    // The watch covered the writes: it saw the env file, and caught temp and pending files in flight.
    expect(report.seen['.env']).toBeGreaterThan(0);
    expect(report.seen['.env.envkit-tmp-*'] ?? 0).toBeGreaterThan(0);
    expect((report.seen['.env.envkit-pending'] ?? 0) + (report.seen['.env.envkit-pending.envkit-tmp-*'] ?? 0)).toBeGreaterThan(0);
    expect(report.samples).toBeGreaterThan(1000);
    expect(modeOf(join(dir, '.env'))).toBe(0o600);
    // Files that are not secret get ordinary modes, not the umask's 0666.
    expect(modeOf(join(dir, '.env.example'))).toBe(0o644);
    expect(modeOf(join(dir, '.gitignore'))).toBe(0o644);
  }, 180_000);

  it('control: the watcher catches a naive writer (create under umask 000, then chmod) within its short window', async () => {
    const dir = scratchDir();
    const watcher = await startWatcher<WatchReport>(WATCHER, [dir]);
    // What an unaudited writer does: create the temp with the default mode, fix the mode afterwards.
    for (let i = 0; i < 5; i++) {
      const script = `umask 000; printf 'A=1\\n' > .env.envkit-tmp-naive; sleep 0.01; chmod 600 .env.envkit-tmp-naive; mv .env.envkit-tmp-naive .env`;
      await new Promise<void>((resolve) => spawn('/bin/sh', ['-c', script], { cwd: dir, stdio: 'ignore' }).on('close', () => resolve()));
    }
    const report = await watcher.stop();
    expect(report.violations.length).toBeGreaterThan(0);
    expect(report.violations[0]).toMatchObject({ name: '.env.envkit-tmp-naive', mode: '666' });
  });
});
