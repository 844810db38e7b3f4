// Hostile files: `.env` that is not a regular file, a directory envkit may not write, a full disk, and
// contents no reader agrees on (an unclosed quote, NUL bytes, invalid UTF-8, 50 MB, mixed line endings).
// Every command either works correctly or stops with a clear error — file:line where there is a line, the
// documented exit code (1 parse/validation, 3 file/environment) — and the bytes on disk are exactly what
// they were: envkit never rewrites a file it could not read completely, and never writes through a link.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'envkit';
import {
  differsOnlyIn,
  envProblems,
  IS_ROOT,
  memuEnvText,
  modeOf,
  NOBODY,
  runCli,
  scratchDir,
  snapshot,
  type SpawnOptions,
} from './support.js';

/** Every command that writes `.env`, each with what it needs. */
const WRITERS: { args: string[]; input?: string }[] = [
  { args: ['set', '--force', 'POSTGRES_DB=hostile_db'] },
  { args: ['init', '--no-input', '--no-keyring'] },
  { args: ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring'] },
  { args: ['rotate', 'OPENAI_API_KEY', '--stdin', '--no-keyring'], input: 'sk-HostileNewKey4Tg7Yh2Uj9Ik3\n' },
  { args: ['unset', 'OPENROUTER_API_KEY'] },
];
/** Commands that only read it. */
const READERS: { args: string[] }[] = [{ args: ['get', 'POSTGRES_DB'] }, { args: ['check', '--no-git'] }];

interface Expectation {
  /** Exit code of every command (or per command name). */
  code: number | ((args: string[]) => number);
  /** What the message must say (stderr or stdout). */
  message: RegExp | ((args: string[]) => RegExp);
}

/**
 * Run every writer and reader in `dir` (one after another: they share the lock) and check each against
 * `expect`, then that nothing in `watched` changed — not a byte, not a mode, not an entry added or removed.
 */
async function expectRefusedUntouched(dir: string, expectation: Expectation, options: { watched?: string[]; commands?: typeof WRITERS; spawn?: SpawnOptions } = {}): Promise<void> {
  const watched = options.watched ?? [dir];
  const before = watched.map((d) => snapshot(d));
  for (const command of options.commands ?? [...WRITERS, ...READERS]) {
    const result = await runCli(dir, command.args, { timeoutMs: 15_000, ...options.spawn, input: 'input' in command ? (command.input as string | undefined) : undefined });
    const what = `envkit ${command.args.join(' ')}`;
    expect(result.timedOut, `${what} hung`).toBe(false);
    const code = typeof expectation.code === 'function' ? expectation.code(command.args) : expectation.code;
    expect(result.code, `${what}:\n${result.all}`).toBe(code);
    const pattern = typeof expectation.message === 'function' ? expectation.message(command.args) : expectation.message;
    expect(result.all, what).toMatch(pattern);
    // A stack trace is not a clear error.
    expect(result.all, what).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);
    expect(watched.map((d) => snapshot(d)), `${what} changed the files`).toEqual(before);
  }
}

const isWriter = (args: string[]) => !['get', 'check'].includes(args[0]!);

describe.concurrent('.env is not a regular file', () => {
  it('a symlink to a real file: every command refuses (exit 3), the link and its target untouched', async () => {
    const dir = scratchDir();
    const elsewhere = scratchDir();
    writeFileSync(join(elsewhere, 'real.env'), memuEnvText(), { mode: 0o600 });
    symlinkSync(join(elsewhere, 'real.env'), join(dir, '.env'));
    await expectRefusedUntouched(dir, { code: 3, message: /\.env is a symlink; envkit (reads|writes)[^\n]*\n\s+fix: replace the link/ }, { watched: [dir, elsewhere] });
  });

  it('a dangling symlink: refused, and its target is never created', async () => {
    const dir = scratchDir();
    const elsewhere = scratchDir();
    symlinkSync(join(elsewhere, 'would-be-created.env'), join(dir, '.env'));
    await expectRefusedUntouched(dir, { code: 3, message: /\.env is a symlink/ }, { watched: [dir, elsewhere] });
  });

  it('a directory: refused with exit 3', async () => {
    const dir = scratchDir();
    mkdirSync(join(dir, '.env'));
    writeFileSync(join(dir, '.env', 'inside'), 'x');
    await expectRefusedUntouched(dir, { code: 3, message: /\.env is a directory/ });
  });

  it('a FIFO: refused at once, never blocks waiting for a writer', async () => {
    const dir = scratchDir();
    expect(spawnSync('mkfifo', [join(dir, '.env')]).status).toBe(0);
    const started = Date.now();
    await expectRefusedUntouched(dir, { code: 3, message: /\.env is a named pipe \(FIFO\)/ });
    // Seven commands; a single blocked open would take the 15 s limit.
    expect(Date.now() - started).toBeLessThan(7 * 5_000);
  });

  it('the pending file as a symlink: rotate refuses and writes nothing through it', async () => {
    const dir = scratchDir();
    const elsewhere = scratchDir();
    writeFileSync(join(dir, '.env'), memuEnvText(), { mode: 0o600 });
    writeFileSync(join(elsewhere, 'victim'), 'do not touch\n');
    symlinkSync(join(elsewhere, 'victim'), join(dir, '.env.envkit-pending'));
    await expectRefusedUntouched(dir, { code: 3, message: /\.env\.envkit-pending is a symlink/ }, {
      watched: [dir, elsewhere],
      commands: [{ args: ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring'] }],
    });
  });

  it('the lock file as a symlink to a victim: no command writes through it or removes it', async () => {
    const dir = scratchDir();
    const elsewhere = scratchDir();
    writeFileSync(join(dir, '.env'), memuEnvText(), { mode: 0o600 });
    writeFileSync(join(elsewhere, 'victim'), 'do not touch\n');
    symlinkSync(join(elsewhere, 'victim'), join(dir, '.env.envkit-lock'));
    await expectRefusedUntouched(dir, { code: 3, message: /\.env\.envkit-lock exists but is not an envkit lock file envkit can use: it is a symlink[^\n]*\n\s+fix: if no envkit is running on this project, remove it/ }, {
      watched: [dir, elsewhere],
      commands: WRITERS,
    });
  });
});

describe.concurrent('contents envkit cannot read completely: exit 1 with file:line, bytes untouched', () => {
  const valid = memuEnvText();

  it('an unterminated quote: the line and column of the quote, for every command', async () => {
    const dir = scratchDir();
    // The quote on line 3 would swallow every line after it in python-dotenv.
    writeFileSync(join(dir, '.env'), valid.replace(/^OPENROUTER_API_KEY=(.*)$/m, 'OPENROUTER_API_KEY="$1'), { mode: 0o600 });
    await expectRefusedUntouched(dir, {
      code: 1,
      message: (args) => (args[0] === 'check' ? /\.env:3:20 .*OPENROUTER_API_KEY: the double quote opened here is never closed/ : /\.env:3:20: .*\n\s+- \.env:3:20: the double quote opened here is never closed/),
    });
  });

  it('a NUL byte outside a value (a key line): a syntax error at its line, for every command', async () => {
    const dir = scratchDir();
    writeFileSync(join(dir, '.env'), valid.replace('MEMU_MEMORY_LIMIT=2g', 'MEMU_MEMORY\0_LIMIT=2g'), { mode: 0o600 });
    await expectRefusedUntouched(dir, { code: 1, message: /\.env:10:1\b/ });
  });

  it('a NUL byte inside a value: check names the key and line; set of another key keeps the rest byte for byte', async () => {
    const dir = scratchDir();
    const text = valid.replace('MEMU_MEMORY_LIMIT=2g', 'MEMU_MEMORY_LIMIT=2g\0');
    writeFileSync(join(dir, '.env'), text, { mode: 0o600 });
    const check = await runCli(dir, ['check', '--no-git']);
    expect(check.code, check.all).toBe(1);
    expect(check.all).toMatch(/\.env:10 +MEMU_MEMORY_LIMIT: contains a NUL character/);
    const set = await runCli(dir, ['set', '--force', 'POSTGRES_DB=after_nul']);
    expect(set.code, set.all).toBe(0);
    const after = readFileSync(join(dir, '.env'), 'utf8');
    expect(differsOnlyIn(text, after, ['POSTGRES_DB', 'MEMU_DB_URL'])).toBe(true);
    expect(after).toContain('MEMU_MEMORY_LIMIT=2g\0\n');
  });

  it('invalid UTF-8: refused as a file problem (exit 3) that names the file and line, never echoing the bytes', async () => {
    const dir = scratchDir();
    const bytes = Buffer.concat([Buffer.from(valid.slice(0, valid.indexOf('POSTGRES_DB='))), Buffer.from('POSTGRES_DB=m'), Buffer.from([0xe9]), Buffer.from('mu\n'), Buffer.from(valid.slice(valid.indexOf('POSTGRES_USER=')))]);
    writeFileSync(join(dir, '.env'), bytes, { mode: 0o600 });
    await expectRefusedUntouched(dir, { code: 3, message: /\.env:6:14: the bytes here are not valid UTF-8 text\n\s+fix: envkit reads env files as UTF-8; convert it, e.g. \(umask 077 && iconv/ });
  });

  it('a 50 MB file with an unclosed quote on its last line: refused at that line, quickly, untouched', async () => {
    const dir = scratchDir();
    const padding = '# padding lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\n'.repeat(620_000);
    const lines = valid.split('\n').length - 1 + padding.split('\n').length - 1;
    writeFileSync(join(dir, '.env'), `${valid}${padding}BROKEN='never closed\n`, { mode: 0o600 });
    const started = Date.now();
    await expectRefusedUntouched(dir, { code: 1, message: new RegExp(`\\.env:${lines + 1}:8\\b`) }, { commands: [WRITERS[0]!, READERS[1]!] });
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});

describe.concurrent('contents envkit reads completely: the edit changes only its keys', () => {
  it('a 50 MB valid file: set rewrites only its lines, get and check work, mode 0600', async () => {
    const dir = scratchDir();
    const padding = '# padding lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\n'.repeat(620_000);
    const text = `${memuEnvText()}${padding}EXTRA_SETTING=kept\n`;
    writeFileSync(join(dir, '.env'), text, { mode: 0o600 });
    expect(text.length).toBeGreaterThan(50_000_000);
    const set = await runCli(dir, ['set', '--force', 'POSTGRES_DB=big_db'], { timeoutMs: 30_000 });
    expect(set.code, set.all).toBe(0);
    const after = readFileSync(join(dir, '.env'), 'utf8');
    expect(differsOnlyIn(text, after, ['POSTGRES_DB', 'MEMU_DB_URL'])).toBe(true);
    expect(envProblems(after)).toEqual([]);
    expect(modeOf(join(dir, '.env'))).toBe(0o600);
    const get = await runCli(dir, ['get', 'POSTGRES_DB'], { timeoutMs: 30_000 });
    expect(get.stdout).toBe('big_db\n');
    const check = await runCli(dir, ['check', '--no-git'], { timeoutMs: 30_000 });
    expect(check.all).toMatch(/EXTRA_SETTING is not part of the memu schema/);
  }, 90_000);

  it('mixed CRLF and LF: set keeps every other byte, each line keeps its own ending', async () => {
    const dir = scratchDir();
    const lines = memuEnvText().split('\n');
    const text = lines.map((line, i) => (i === lines.length - 1 ? line : `${line}${i % 2 === 0 ? '\r\n' : '\n'}`)).join('');
    writeFileSync(join(dir, '.env'), text, { mode: 0o600 });
    for (const args of [['set', '--force', 'POSTGRES_DB=mixed_db'], ['rotate', 'OPENAI_API_KEY', '--stdin', '--no-keyring']]) {
      const before = readFileSync(join(dir, '.env'), 'utf8');
      const result = await runCli(dir, args, { input: 'sk-MixedEndings5Rf8Tg1Yh4Uj\n' });
      expect(result.code, result.all).toBe(0);
      const after = readFileSync(join(dir, '.env'), 'utf8');
      expect(differsOnlyIn(before, after, args[0] === 'set' ? ['POSTGRES_DB', 'MEMU_DB_URL'] : ['OPENAI_API_KEY'])).toBe(true);
      expect(after.split('\r\n').length).toBe(before.split('\r\n').length);
    }
    const doc = parseDocument(readFileSync(join(dir, '.env'), 'utf8'));
    expect(doc.get('POSTGRES_DB')).toBe('mixed_db');
    expect(doc.get('MEMU_DB_URL')).toMatch(/\/mixed_db$/);
    expect(envProblems(doc.toString())).toEqual([]);
  });
});

describe('a directory envkit may not write (run as an unprivileged user: root ignores permissions)', () => {
  it('every writer stops with exit 3 and the fix; .env untouched; readers still work', async () => {
    const dir = scratchDir(0o755);
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, '.env'), memuEnvText(), { mode: 0o600 });
    const user = IS_ROOT ? NOBODY : undefined;
    if (user) chownSync(join(project, '.env'), user.uid, user.gid);
    chmodSync(project, 0o555);
    try {
      await expectRefusedUntouched(
        project,
        {
          code: (args) => (isWriter(args) ? 3 : 0),
          message: (args) => (isWriter(args) ? /cannot create the lock file \S+\.env\.envkit-lock: permission denied[^\n]*\n\s+fix: [^\n]*write permission on/ : /./),
        },
        { spawn: { ...(user ? { user } : {}), env: { HOME: project } } },
      );
    } finally {
      chmodSync(project, 0o755);
    }
  });
});

/** A small tmpfs (root only), or why there is none. */
function mountTmpfs(sizeKb: number): { dir: string } | { reason: string } {
  if (!IS_ROOT) return { reason: 'not root' };
  const dir = join(scratchDir(0o755), 'small-disk');
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'envkit-test', dir], { encoding: 'utf8' });
  if (r.status !== 0) return { reason: `mount -t tmpfs failed: ${r.stderr.trim()}` };
  mounted.push(dir);
  return { dir };
}
const mounted: string[] = [];
afterAll(() => {
  for (const dir of mounted.splice(0)) spawnSync('umount', ['-l', dir]);
});

/** Fill the file system holding `dir` until exactly `keepBytes` (a multiple of the block size) stay free. */
function fillDisk(dir: string, keepBytes: number): void {
  const free = () => {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  };
  writeFileSync(join(dir, 'filler'), Buffer.alloc(Math.max(0, free() - keepBytes)));
  let i = 0;
  while (free() > keepBytes) writeFileSync(join(dir, `filler-${i++}`), Buffer.alloc(1));
  expect(free()).toBe(keepBytes);
}

describe('a full disk', () => {
  const probe = mountTmpfs(64);
  const canMount = 'dir' in probe;
  if (!canMount) process.stderr.write(`\n!!! full-disk tests use RLIMIT_FSIZE (ulimit -f) instead of a real ENOSPC: ${probe.reason}\n\n`);

  it.runIf(canMount)('real ENOSPC while writing .env: exit 3 "no space left", .env untouched, no temp left', async () => {
    const disk = mountTmpfs(256);
    if (!('dir' in disk)) throw new Error(disk.reason);
    const project = disk.dir;
    // Bigger than one page, so the lock (one page) fits and the .env temp does not.
    const text = `${memuEnvText()}${'# a comment that makes the file span several pages of the tmpfs\n'.repeat(150)}`;
    writeFileSync(join(project, '.env'), text, { mode: 0o600 });
    fillDisk(project, 4096);
    await expectRefusedUntouched(
      project,
      { code: 3, message: /cannot write \S+\.env: no space left on the device \(disk or quota full\); \S+\.env was not changed\n\s+fix: free some space on the file system holding/ },
      { commands: [WRITERS[0]!, WRITERS[3]!, WRITERS[4]!] },
    );
    // The rotation stops at its first write (the pending file) with the same clear error.
    await expectRefusedUntouched(project, { code: 3, message: /no space left on the device/ }, { commands: [WRITERS[2]!] });
  });

  it.runIf(canMount)('no space even for the lock: exit 3 naming ENOSPC as a full disk, nothing written', async () => {
    const disk = mountTmpfs(256);
    if (!('dir' in disk)) throw new Error(disk.reason);
    const project = disk.dir;
    writeFileSync(join(project, '.env'), memuEnvText(), { mode: 0o600 });
    fillDisk(project, 0);
    await expectRefusedUntouched(project, { code: 3, message: /no space left on the device/ }, { commands: WRITERS });
  });

  it('a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored): exit 3, .env untouched, no temp left', async () => {
    const dir = scratchDir();
    const text = `${memuEnvText()}${'# padding so the new file exceeds the limit\n'.repeat(200)}`;
    writeFileSync(join(dir, '.env'), text, { mode: 0o600 });
    // ulimit -f counts 512-byte blocks (POSIX sh): 8 blocks, 4 KiB, below the 10 KiB file.
    await expectRefusedUntouched(dir, { code: 3, message: /cannot write \S+\.env \(EFBIG\); \S+\.env was not changed/ }, {
      commands: [WRITERS[0]!, WRITERS[3]!],
      spawn: { shell: "trap '' XFSZ; ulimit -f 8;" },
    });
  });
});
