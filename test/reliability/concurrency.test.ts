// Concurrency: 8 envkit processes started together on one project — `set`, `rotate POSTGRES_PASSWORD
// --apply none`, `rotate OPENAI_API_KEY` — round after round. The project lock serialises them or they
// report busy (exit 3, naming the holder); every process that exited 0 has its update in the final file
// unless a later successful one overwrote the same key; a busy one changed nothing; the file parses and
// validates and nothing is left behind.
//
// Each `set` also writes a key of its own (EXTRA_<n>) that nobody else touches: a read-modify-write that
// escaped the lock would lose some of those.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'envkit';
import { budget, envProblems, leftovers, memuEnvText, modeOf, runCli, scratchDir } from './support.js';

const ROUNDS = budget('CONCURRENCY_ROUNDS', 10, 5);
const PROCESSES = 8;
const BUSY = /^envkit: another envkit \(pid \d+, (set|rotate), since [0-9T:.Z-]+\) is working on this project\n\s+fix: wait for it to finish and run the command again/m;

interface Job {
  args: string[];
  input?: string;
  /** key → value this job writes. */
  writes: Record<string, string>;
}

function jobsFor(round: number): Job[] {
  const jobs: Job[] = [];
  for (let i = 0; i < PROCESSES; i++) {
    const tag = `${round}_${i}`;
    if (i % 3 === 0) {
      const password = `ConcurrentPw${tag}x`.padEnd(36, 'Q');
      jobs.push({ args: ['rotate', 'POSTGRES_PASSWORD', '--stdin', '--apply', 'none', '--no-keyring'], input: `${password}\n`, writes: { POSTGRES_PASSWORD: password } });
    } else if (i % 3 === 1) {
      jobs.push({
        args: ['set', '--force', '--allow-unknown', `POSTGRES_DB=conc_${tag}`, `EXTRA_${tag}=own_${tag}`],
        writes: { POSTGRES_DB: `conc_${tag}`, [`EXTRA_${tag}`]: `own_${tag}` },
      });
    } else {
      const key = `sk-Concurrent${tag}Key5Rt8Yu2Io`;
      jobs.push({ args: ['rotate', 'OPENAI_API_KEY', '--stdin', '--no-keyring'], input: `${key}\n`, writes: { OPENAI_API_KEY: key } });
    }
  }
  return jobs;
}

describe('concurrent writers on one project', () => {
  it(`${ROUNDS} rounds of ${PROCESSES} simultaneous set/rotate: serialised or busy, no update lost, file valid`, async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, '.env'), memuEnvText(), { mode: 0o600 });
    let succeeded = 0;
    let busy = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const before = parseDocument(readFileSync(join(dir, '.env'), 'utf8')).toObject();
      const jobs = jobsFor(round);
      const results = await Promise.all(jobs.map((job) => runCli(dir, job.args, { input: job.input })));
      const after = parseDocument(readFileSync(join(dir, '.env'), 'utf8')).toObject();
      const winners = jobs.filter((_, i) => results[i]!.code === 0);
      results.forEach((r, i) => {
        const what = `round ${round}: envkit ${jobs[i]!.args.join(' ')}`;
        expect(r.timedOut, what).toBe(false);
        if (r.code === 0) succeeded++;
        else {
          busy++;
          expect(r.code, `${what}:\n${r.all}`).toBe(3);
          expect(r.stderr, what).toMatch(BUSY);
          // A busy process changed nothing: its own key is not there.
          for (const key of Object.keys(jobs[i]!.writes)) if (key.startsWith('EXTRA_')) expect(after[key], what).toBeUndefined();
        }
      });
      expect(winners.length, `round ${round}: nobody got the lock`).toBeGreaterThan(0);
      // Every successful update is there, unless another successful job wrote the same key (then one of them).
      for (const key of new Set(jobs.flatMap((j) => Object.keys(j.writes)))) {
        const written = winners.map((j) => j.writes[key]).filter((v): v is string => v !== undefined);
        if (written.length === 0) expect(after[key], `round ${round}: ${key} changed with no successful writer`).toBe(before[key]);
        else expect(written, `round ${round}: ${key} lost its update`).toContain(after[key]);
      }
      expect(envProblems(readFileSync(join(dir, '.env'), 'utf8')), `round ${round}`).toEqual([]);
      expect(modeOf(join(dir, '.env'))).toBe(0o600);
      expect(leftovers(dir), `round ${round}`).toEqual([]);
    }
    process.stderr.write(`concurrency: ${ROUNDS} rounds x ${PROCESSES}: ${succeeded} exited 0, ${busy} reported busy\n`);
    // Both outcomes happened: the test exercised contention, not a quiet sequence.
    expect(busy).toBeGreaterThan(0);
    expect(succeeded).toBeGreaterThan(ROUNDS);
  }, 180_000);
});
