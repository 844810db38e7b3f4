import * as fs from 'node:fs';
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanStaleTemps, readTextFile, writeFileAtomic, writeSecretFile } from './write-file.js';
import { testdir } from '../../../../test/helpers/testdir.js';
import { thrown } from '../../../../test/helpers/errors.js';

// Failure injection: pass-through by default; a test makes one call fail to prove the cleanup.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, renameSync: vi.fn(actual.renameSync), writeFileSync: vi.fn(actual.writeFileSync) };
});

const SECRET = 'POSTGRES_PASSWORD=Zq9-very-secret-value-Zq9\n';
const modeOf = (path: string) => lstatSync(path).mode & 0o777;
const osError = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });


const isRoot = process.getuid?.() === 0;
const jiti = createRequire(import.meta.url).resolve('jiti');
const writeFileModule = fileURLToPath(new URL('./write-file.ts', import.meta.url));

/**
 * Run the real write-file.ts in a child process as an unprivileged user (root ignores permissions,
 * so a permission test run as root would prove nothing). Returns the child's JSON answer.
 */
function runUnprivileged(call: string): { ok?: unknown; code?: string; message?: string; hint?: string } {
  const script = `
    const { createJiti } = require(${JSON.stringify(jiti)});
    createJiti(${JSON.stringify(writeFileModule)}, { fsCache: false }).import(${JSON.stringify(writeFileModule)}).then((m) => {
      try { process.stdout.write(JSON.stringify({ ok: (${call}) ?? null })); }
      catch (e) { process.stdout.write(JSON.stringify({ code: e.code, message: e.message, hint: e.hint })); }
    });`;
  const result = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  if (result.status !== 0) throw new Error(`child failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { ok?: unknown; code?: string; message?: string; hint?: string };
}

// mockReset goes back to the pass-through implementation given to vi.fn and clears the calls.
beforeEach(() => {
  vi.mocked(fs.renameSync).mockReset();
  vi.mocked(fs.writeFileSync).mockReset();
});

describe('writeFileAtomic: modes', () => {
  for (const umask of [0o000, 0o077, 0o022]) {
    it(`gives a new secret file exactly 0600 and a plain file 0644 under umask ${umask.toString(8).padStart(3, '0')}`, () => {
      const dir = testdir();
      const old = process.umask(umask);
      try {
        const secret = writeSecretFile(join(dir, '.env'), SECRET);
        const plain = writeFileAtomic(join(dir, '.env.example'), 'A=\n', { mode: 0o644 });
        expect(secret).toEqual({ path: join(dir, '.env'), created: true, changed: true, modeFixed: undefined });
        expect(plain.created).toBe(true);
      } finally {
        process.umask(old);
      }
      expect(modeOf(join(dir, '.env'))).toBe(0o600);
      expect(modeOf(join(dir, '.env.example'))).toBe(0o644);
      expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(SECRET);
    });
  }

  it('fixes a 0644 .env and reports the old mode', () => {
    const dir = testdir({ '.env': ['A=1\n', 0o644] });
    const result = writeSecretFile(join(dir, '.env'), 'A=2\n');
    expect(result).toMatchObject({ created: false, changed: true, modeFixed: { from: 0o644, to: 0o600 } });
    expect(modeOf(join(dir, '.env'))).toBe(0o600);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('A=2\n');
  });

  it('fixes the mode even when the content is identical', () => {
    const dir = testdir({ '.env': [SECRET, 0o664] });
    const result = writeSecretFile(join(dir, '.env'), SECRET);
    expect(result).toMatchObject({ changed: true, modeFixed: { from: 0o664, to: 0o600 } });
    expect(modeOf(join(dir, '.env'))).toBe(0o600);
  });

  it('writes nothing at all when content and mode are already right', () => {
    const dir = testdir({ '.env': [SECRET, 0o600] });
    const path = join(dir, '.env');
    const before = statSync(path);
    const result = writeSecretFile(path, SECRET);
    expect(result).toEqual({ path, created: false, changed: false, modeFixed: undefined });
    const after = statSync(path);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(vi.mocked(fs.renameSync)).not.toHaveBeenCalled();
  });

  it('keeps the mode of an existing file that is not secret', () => {
    const dir = testdir({ '.gitignore': ['node_modules\n', 0o664] });
    const result = writeFileAtomic(join(dir, '.gitignore'), 'node_modules\n.env\n', { mode: 0o644 });
    expect(result).toMatchObject({ changed: true, modeFixed: undefined });
    expect(modeOf(join(dir, '.gitignore'))).toBe(0o664);
  });

  it('replaces the file by rename (new inode) and leaves no temp file', () => {
    const dir = testdir({ '.env': ['A=1\n', 0o600] });
    const before = statSync(join(dir, '.env')).ino;
    writeSecretFile(join(dir, '.env'), 'A=2\n');
    expect(statSync(join(dir, '.env')).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['.env']);
  });

  it.runIf(isRoot)('keeps the owner of a file when run as root', () => {
    const dir = testdir({ '.env': ['A=1\n', 0o644] });
    chownSync(join(dir, '.env'), 65534, 65534);
    writeSecretFile(join(dir, '.env'), 'A=2\n');
    const stat = statSync(join(dir, '.env'));
    expect([stat.uid, stat.gid, stat.mode & 0o777]).toEqual([65534, 65534, 0o600]);
  });

  it('rejects a nonsense mode', () => {
    const dir = testdir();
    expect(thrown(() => writeFileAtomic(join(dir, 'x'), '', { mode: -1 })).code).toBe('USAGE');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writeFileAtomic: refuses what is not a regular file', () => {
  it('refuses a symlink to a file and leaves both untouched', () => {
    const dir = testdir({ 'real.env': ['A=1\n', 0o644] });
    symlinkSync('real.env', join(dir, '.env'));
    const error = thrown(() => writeSecretFile(join(dir, '.env'), SECRET));
    expect(error.code).toBe('FILE');
    expect(error.message).toBe(`${join(dir, '.env')} is a symlink; envkit writes secrets only to a regular file`);
    expect(error.hint).toContain('readlink');
    expect(error.path).toBe(join(dir, '.env'));
    expect(lstatSync(join(dir, '.env')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real.env'), 'utf8')).toBe('A=1\n');
    expect(modeOf(join(dir, 'real.env'))).toBe(0o644);
    expect(readdirSync(dir).sort()).toEqual(['.env', 'real.env']);
  });

  it('refuses a dangling symlink (would otherwise create its target)', () => {
    const dir = testdir();
    symlinkSync(join(dir, 'elsewhere'), join(dir, '.env'));
    expect(thrown(() => writeSecretFile(join(dir, '.env'), SECRET)).message).toContain('is a symlink');
    expect(readdirSync(dir)).toEqual(['.env']);
  });

  it('refuses a symlink for a file that is not secret too', () => {
    const dir = testdir({ 'x': 'x\n' });
    symlinkSync('x', join(dir, '.gitignore'));
    expect(thrown(() => writeFileAtomic(join(dir, '.gitignore'), '.env\n', { mode: 0o644 })).message).toBe(
      `${join(dir, '.gitignore')} is a symlink; envkit writes only to a regular file`,
    );
  });

  it('refuses a directory', () => {
    const dir = testdir({ '.env/keep': 'k' });
    const error = thrown(() => writeSecretFile(join(dir, '.env'), SECRET));
    expect(error.message).toBe(`${join(dir, '.env')} is a directory; envkit writes secrets only to a regular file`);
    expect(readdirSync(dir)).toEqual(['.env']);
  });

  it('refuses a FIFO without blocking on it', () => {
    const dir = testdir();
    execFileSync('mkfifo', [join(dir, '.env')]);
    expect(thrown(() => writeSecretFile(join(dir, '.env'), SECRET)).message).toContain('is a named pipe (FIFO)');
    expect(thrown(() => readTextFile(join(dir, '.env'))).message).toContain('is a named pipe (FIFO)');
    expect(readdirSync(dir)).toEqual(['.env']);
  });

  it('refuses a character device', () => {
    expect(thrown(() => writeFileAtomic('/dev/null', 'x', { mode: 0o600 })).message).toBe(
      '/dev/null is a character device; envkit writes only to a regular file',
    );
  });
});

describe('writeFileAtomic: failures leave the original and no temp', () => {
  it('removes the temp file when the rename fails', () => {
    const dir = testdir({ '.env': ['A=old\n', 0o600] });
    vi.mocked(fs.renameSync).mockImplementationOnce(() => {
      throw osError('EXDEV');
    });
    const error = thrown(() => writeSecretFile(join(dir, '.env'), SECRET));
    expect(error.code).toBe('FILE');
    expect(error.message).toContain(`${join(dir, '.env')} was not changed`);
    expect(readdirSync(dir)).toEqual(['.env']);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('A=old\n');
  });

  it('maps ENOSPC during the write to a message with the fix, never the value', () => {
    const dir = testdir({ '.env': ['A=old\n', 0o600] });
    vi.mocked(fs.writeFileSync).mockImplementationOnce(() => {
      throw osError('ENOSPC');
    });
    const error = thrown(() => writeSecretFile(join(dir, '.env'), SECRET));
    expect(error.message).toBe(`cannot write ${join(dir, '.env')}: no space left on the device (disk or quota full); ${join(dir, '.env')} was not changed`);
    expect(error.hint).toContain('df -h');
    expect(JSON.stringify({ m: error.message, h: error.hint })).not.toContain('very-secret');
    expect(readdirSync(dir)).toEqual(['.env']);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe('A=old\n');
  });

  it('maps EROFS', () => {
    const dir = testdir();
    vi.mocked(fs.renameSync).mockImplementationOnce(() => {
      throw osError('EROFS');
    });
    expect(thrown(() => writeSecretFile(join(dir, '.env'), SECRET)).message).toContain('the file system is read-only');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a read-only directory clearly and leaves the file untouched (real permissions)', () => {
    const dir = testdir({ 'proj/.env': ['A=old\n', 0o644] });
    const proj = join(dir, 'proj');
    chmodSync(dir, 0o755);
    if (isRoot) chownSync(join(proj, '.env'), 65534, 65534);
    chmodSync(proj, 0o555);
    try {
      const answer = runUnprivileged(`m.writeSecretFile(${JSON.stringify(join(proj, '.env'))}, 'A=new\\n')`);
      expect(answer.code).toBe('FILE');
      expect(answer.message).toBe(`cannot write ${join(proj, '.env')}: permission denied; ${join(proj, '.env')} was not changed`);
      expect(answer.hint).toContain(`ls -ld ${proj}`);
      expect(readdirSync(proj)).toEqual(['.env']);
      expect(readFileSync(join(proj, '.env'), 'utf8')).toBe('A=old\n');
      expect(modeOf(join(proj, '.env'))).toBe(0o644);
    } finally {
      chmodSync(proj, 0o755);
    }
  });

  it('reports a directory that does not exist', () => {
    const dir = testdir();
    const error = thrown(() => writeSecretFile(join(dir, 'nope', '.env'), SECRET));
    expect(error.message).toBe(`cannot write ${join(dir, 'nope', '.env')}: the directory ${join(dir, 'nope')} does not exist`);
  });
});

describe('readTextFile', () => {
  it('returns undefined for a missing file and the exact text otherwise (BOM kept)', () => {
    const dir = testdir({ a: '\uFEFFA=1\r\nB=ü\n' });
    expect(readTextFile(join(dir, 'missing'))).toBeUndefined();
    expect(readTextFile(join(dir, 'a'))).toBe('\uFEFFA=1\r\nB=ü\n');
  });

  it('refuses a symlink unless asked to follow it', () => {
    const dir = testdir({ 'real.env': 'A=1\n' });
    symlinkSync('real.env', join(dir, '.env'));
    expect(thrown(() => readTextFile(join(dir, '.env'))).message).toBe(`${join(dir, '.env')} is a symlink; envkit reads only a regular file here`);
    expect(readTextFile(join(dir, '.env'), { followSymlinks: true })).toBe('A=1\n');
    symlinkSync('gone', join(dir, 'dangling'));
    expect(thrown(() => readTextFile(join(dir, 'dangling'), { followSymlinks: true })).message).toContain('does not exist');
  });

  it('refuses a directory', () => {
    const dir = testdir({ 'd/x': 'x' });
    expect(thrown(() => readTextFile(join(dir, 'd'))).message).toContain('is a directory');
  });

  it('refuses bytes that are not UTF-8 without echoing them', () => {
    const dir = testdir();
    writeFileSync(join(dir, '.env'), Buffer.from([0x41, 0x3d, 0xe9, 0x74, 0xe9, 0x0a])); // A=été in latin1
    const error = thrown(() => readTextFile(join(dir, '.env')));
    expect(error.message).toBe(`${join(dir, '.env')}:1:3: the bytes here are not valid UTF-8 text`);
    expect(error.hint).toContain('iconv');
  });

  it('reports an unreadable file (real permissions)', () => {
    const dir = testdir({ '.env': ['A=1\n', 0o600] });
    chmodSync(dir, 0o755);
    if (!isRoot) chmodSync(join(dir, '.env'), 0o000);
    const answer = runUnprivileged(`m.readTextFile(${JSON.stringify(join(dir, '.env'))})`);
    expect(answer.code).toBe('FILE');
    expect(answer.message).toBe(`cannot read ${join(dir, '.env')}: permission denied`);
  });
});

describe('cleanStaleTemps', () => {
  it('removes only the temps of the given target', () => {
    const dir = testdir({
      '.env': 'A=1\n',
      '.env.envkit-tmp-0a1b2c': 'A=half',
      '.env.envkit-tmp-ffff': '',
      '.env.example.envkit-tmp-1234': 'x',
      '.env.envkit-pending': 'P=1\n',
    });
    mkdirSync(join(dir, '.env.envkit-tmp-dir'));
    const removed = cleanStaleTemps(join(dir, '.env'));
    expect(removed.sort()).toEqual([join(dir, '.env.envkit-tmp-0a1b2c'), join(dir, '.env.envkit-tmp-ffff')]);
    expect(readdirSync(dir).sort()).toEqual(['.env', '.env.envkit-pending', '.env.envkit-tmp-dir', '.env.example.envkit-tmp-1234']);
    expect(cleanStaleTemps(join(dir, '.env'))).toEqual([]);
  });

  it('returns nothing for a directory that does not exist', () => {
    expect(cleanStaleTemps(join(testdir(), 'no', '.env'))).toEqual([]);
  });
});
