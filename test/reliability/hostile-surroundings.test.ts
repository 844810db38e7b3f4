// Hostile files beside .env: a FIFO, a symlink to /dev/zero, a device or a huge file at the lock, its .break,
// the pending rotation, .env.example, .gitignore or the compose file; a pending rotation or lock that another
// user planted; a directory everyone may write to. Every command that reads such a file refuses it at once with
// a clear error naming it (exit 3), never hangs, never reads without bound, and `check` reports what it found.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializePending } from '../../packages/envkit/src/project/rotation/pending.js';
import { IS_ROOT, memuEnvText, NOBODY, runCli, scratchDir, snapshot } from './support.js';

type Plant = 'fifo' | 'zero-link' | 'device';

/** Put something hostile at `path`. */
function plant(path: string, kind: Plant): void {
  if (kind === 'fifo') expect(spawnSync('mkfifo', [path]).status).toBe(0);
  else if (kind === 'zero-link') symlinkSync('/dev/zero', path);
  // The device of /dev/zero itself (char 1,5): only root may make one.
  else expect(spawnSync('mknod', [path, 'c', '1', '5']).status).toBe(0);
}

const KIND: Record<Plant, RegExp> = { fifo: /named pipe \(FIFO\)/, 'zero-link': /symlink|character device/, device: /character device/ };

/** A memu project (a compose file too) and, for a stale-lock case, a lock whose process is gone. */
function project(): string {
  const dir = scratchDir();
  writeFileSync(join(dir, '.env'), memuEnvText(), { mode: 0o600 });
  writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  db:\n    image: pgvector/pgvector:pg16\n    env_file: .env\n  memu:\n    image: memu\n    env_file: .env\n');
  return dir;
}

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

/** Where to plant, what must be there for envkit to read it, and the commands that read it. */
const PLACES: { file: string; before?: (dir: string) => void; commands: string[][] }[] = [
  { file: '.env.envkit-lock', commands: [['set', 'MEMU_MEMORY_LIMIT=3g'], ['unset', 'OPENAI_API_KEY'], ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring'], ['init', '--no-input', '--no-keyring']] },
  {
    file: '.env.envkit-lock.break',
    // A stale lock: taking it over goes through the .break file.
    before: (dir) => writeFileSync(join(dir, '.env.envkit-lock'), `${JSON.stringify({ pid: deadPid(), hostname: readFileSync('/proc/sys/kernel/hostname', 'utf8').trim(), startedAt: new Date().toISOString(), purpose: 'set', token: 'x' })}\n`, { mode: 0o600 }),
    commands: [['set', 'MEMU_MEMORY_LIMIT=3g'], ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']],
  },
  { file: '.env.envkit-pending', commands: [['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']] },
  { file: '.env.example', commands: [['example'], ['check', '--no-git'], ['init', '--no-input', '--no-keyring']] },
  // (init with a .gitignore it refuses still writes .env first: validating every target before the first write
  // is another change.)
  { file: '.gitignore', commands: [['gitignore'], ['check']] },
  { file: 'docker-compose.yml', commands: [['check', '--no-git'], ['rotate', 'POSTGRES_PASSWORD', '--no-keyring']] },
];

const plants: Plant[] = IS_ROOT ? ['fifo', 'zero-link', 'device'] : ['fifo', 'zero-link'];

describe.concurrent('a hostile file beside .env is refused at once, naming it', () => {
  for (const place of PLACES) {
    for (const kind of plants) {
      it(`${kind} at ${place.file}`, async () => {
        const dir = project();
        if (place.file === 'docker-compose.yml') chmodSync(join(dir, place.file), 0o644);
        spawnSync('rm', ['-f', join(dir, place.file)]);
        place.before?.(dir);
        plant(join(dir, place.file), kind);
        const before = snapshot(dir);
        for (const args of place.commands) {
          const what = `envkit ${args.join(' ')} (${kind} at ${place.file})`;
          const result = await runCli(dir, args, { timeoutMs: 15_000 });
          expect(result.timedOut, `${what} hung`).toBe(false);
          expect(result.signal, `${what} died`).toBeNull();
          expect(result.code, `${what}\n${result.all}`).toBe(3);
          expect(result.stderr, what).toContain(place.file);
          expect(result.stderr, what).toMatch(KIND[kind]);
          expect(result.stderr, what).toMatch(/\n\s+fix: /);
          expect(result.all, what).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);
          expect(snapshot(dir), `${what} changed the files`).toEqual(before);
        }
      });
    }
  }

  it('a 65 MiB .env or a 1 MiB lock: a size refusal in well under a second of reading, not an out-of-memory', async () => {
    const dir = project();
    truncateSync(join(dir, '.env'), 65 * 1024 * 1024);
    for (const args of [['check', '--no-git'], ['get', 'POSTGRES_DB'], ['set', 'MEMU_MEMORY_LIMIT=3g']]) {
      const result = await runCli(dir, args, { timeoutMs: 15_000 });
      expect(result.code, result.all).toBe(3);
      expect(result.stderr).toMatch(/\.env is larger than 64 MiB, more than envkit reads here/);
    }
    const lockDir = project();
    writeFileSync(join(lockDir, '.env.envkit-lock'), '{}'.padEnd(1024 * 1024), { mode: 0o600 });
    const locked = await runCli(lockDir, ['set', 'MEMU_MEMORY_LIMIT=3g'], { timeoutMs: 15_000 });
    expect(locked.code, locked.all).toBe(3);
    expect(locked.stderr).toMatch(/\.env\.envkit-lock exists but is not an envkit lock file envkit can use: it is larger than 64 KiB/);
  });
});

describe.concurrent('files another user could have written', () => {
  /** A pending rotation that would set the database password and .env to a value of the planter's choosing. */
  function plantPending(dir: string): string {
    const path = join(dir, '.env.envkit-pending');
    writeFileSync(path, serializePending({ version: 1, key: 'POSTGRES_PASSWORD', value: 'PlantedByAnotherUser0123456789abcdef', created: new Date().toISOString(), apply: 'none', step: 'created' }), { mode: 0o600 });
    return path;
  }

  it('a pending rotation others may write: rotate refuses it, .env keeps its password; check reports it', async () => {
    const dir = project();
    chmodSync(plantPending(dir), 0o622);
    const env = readFileSync(join(dir, '.env'), 'utf8');
    const result = await runCli(dir, ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']);
    expect(result.code, result.all).toBe(3);
    expect(result.stderr).toMatch(/\.env\.envkit-pending cannot be trusted: its mode 0622 lets every user change it/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(env);
    expect(result.all).not.toContain('PlantedByAnotherUser');
    const check = await runCli(dir, ['--json', 'check', '--no-git']);
    expect(check.code).toBe(1);
    const findings = (JSON.parse(check.stdout) as { findings: { rule: string; severity: string }[] }).findings;
    expect(findings).toContainEqual(expect.objectContaining({ rule: 'rotation.pending-untrusted', severity: 'error' }));
  });

  it.runIf(IS_ROOT)('root does not resume a pending rotation, nor honour a lock, that another user owns', async () => {
    const dir = project();
    chownSync(plantPending(dir), NOBODY.uid, NOBODY.gid);
    const env = readFileSync(join(dir, '.env'), 'utf8');
    const result = await runCli(dir, ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']);
    expect(result.code, result.all).toBe(3);
    expect(result.stderr).toMatch(/\.env\.envkit-pending cannot be trusted: it belongs to uid 65534, not to you \(uid 0\)/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(env);

    const locked = project();
    writeFileSync(join(locked, '.env.envkit-lock'), `${JSON.stringify({ pid: 1, hostname: 'elsewhere', startedAt: new Date().toISOString(), purpose: 'set', token: 't' })}\n`, { mode: 0o600 });
    chownSync(join(locked, '.env.envkit-lock'), NOBODY.uid, NOBODY.gid);
    const set = await runCli(locked, ['set', 'MEMU_MEMORY_LIMIT=3g']);
    expect(set.code, set.all).toBe(3);
    expect(set.stderr).toMatch(/\.env\.envkit-lock exists but is not an envkit lock file envkit can use: it cannot be trusted: it belongs to uid 65534/);
    const check = await runCli(locked, ['--json', 'check', '--no-git']);
    const rules = (JSON.parse(check.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule);
    expect(rules).toContain('lock.untrusted');
  });

  it('a project directory every user may write to is an error in check', async () => {
    const dir = project();
    chmodSync(dir, 0o777);
    const check = await runCli(dir, ['check', '--no-git']);
    expect(check.code, check.all).toBe(1);
    expect(check.stdout).toMatch(/the directory of \.env is writable by every user \(its mode 0777 lets every user create, replace or plant files in it\)/);
    expect(check.stdout).toMatch(new RegExp(`fix: chmod o-w ${dir}`));
    chmodSync(dir, 0o700);
    expect((await runCli(dir, ['check', '--no-git'])).stdout).not.toMatch(/writable by every user/);
  });
});

describe('big inputs stay linear and bounded', () => {
  it('check on 130,000 findings lists them (1,000 per rule, the rest summed up) instead of overflowing the stack', async () => {
    const dir = project();
    writeFileSync(join(dir, '.env'), `${memuEnvText()}${'MEMU_MEMORY_LIMIT=2g\n'.repeat(130_000)}`, { mode: 0o600 });
    const result = await runCli(dir, ['--json', 'check', '--no-git', '--no-compose'], { timeoutMs: 120_000 });
    expect(result.stderr).not.toMatch(/Maximum call stack|RangeError/);
    expect(result.code, result.stderr).toBe(0);
    const findings = (JSON.parse(result.stdout) as { findings: { rule: string; message: string }[] }).findings;
    const duplicates = findings.filter((f) => f.rule === 'env.duplicate');
    expect(duplicates).toHaveLength(1001);
    expect(duplicates.at(-1)!.message).toBe('... and 129000 more env.duplicate findings like the 1000 above (not listed one by one)');
  }, 150_000);

  it('a 10-million-line file: a clear size refusal at once, for every command', async () => {
    const dir = project();
    writeFileSync(join(dir, '.env'), 'B=\n'.repeat(10_000_000), { mode: 0o600 });
    for (const args of [['check', '--no-git'], ['get', 'POSTGRES_DB'], ['set', 'MEMU_MEMORY_LIMIT=3g']]) {
      const result = await runCli(dir, args, { timeoutMs: 60_000 });
      expect(result.code, result.all).toBe(3);
      expect(result.stderr).toMatch(/\.env has more than 1,000,000 lines, more than envkit reads here; nothing was changed\n\s+fix: /);
    }
  }, 200_000);
});
