// The `guard` part of `pnpm bench` (scripts/bench.mjs): how long `envkit guard` takes on
//   - a typical commit (5 staged files, a few kB): what every `git commit` pays for the hook;
//   - a large staged change: 1,000 files, 50 MB (a tenth of them binary);
//   - `--history` over 10,000 commits (10,000 file versions, about 10 MB, made with git fast-import).
// Each repository holds an init'd memu project (.env ignored), so the real secrets are searched for; the
// content is random, so the searches find nothing, and one planted leak shows the scan is real.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
};

/**
 * Runs the measurements and returns them. `memu` is an init'd project directory to copy, `bin` the CLI
 * entry, `env` the environment the CLI gets, `runs` the timed runs per case (medians are reported).
 */
export function benchGuard({ bin, work, memu, env, runs, step }) {
  const gitEnv = { ...env, ...GIT_ENV };
  const git = (cwd, args, input) => {
    const r = spawnSync('git', args, { cwd, env: gitEnv, input, encoding: input === undefined ? 'utf8' : undefined, maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const repo = (name) => {
    const dir = join(work, name);
    cpSync(memu, dir, { recursive: true });
    writeFileSync(join(dir, '.gitignore'), '.env\n.env.envkit-*\n');
    git(dir, ['init', '-q']);
    return dir;
  };
  const guard = (dir, args) => spawnSync(process.execPath, ['--', bin, 'guard', '--no-keyring', ...args], { cwd: dir, env: gitEnv, encoding: 'utf8' });
  // Each timed run follows a run of `node -e 0`, so both see the same load: the difference is envkit's.
  const time = (dir, args, expected) => {
    const ms = [];
    const base = [];
    for (let i = 0; i < runs + 1; i++) {
      const b = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0'], { env });
      const t = process.hrtime.bigint();
      const r = guard(dir, args);
      const elapsed = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.status !== expected) throw new Error(`envkit guard ${args.join(' ')} exits ${r.status}, expected ${expected}:\n${r.stdout}${r.stderr}`);
      if (i > 0) {
        ms.push(elapsed);
        base.push(Number(t - b) / 1e6);
      }
    }
    return { ms: median(ms), nodeMs: median(base) };
  };

  step('guard: a typical commit (5 files)');
  const small = repo('guard-small');
  for (let i = 0; i < 5; i++) writeFileSync(join(small, `file${i}.py`), `# module ${i}\n${randomText(2000)}\n`);
  git(small, ['add', '-A']);
  const smallMs = time(small, [], 0);

  step('guard: 1,000 staged files, 50 MB');
  const big = repo('guard-big');
  let bytes = 0;
  for (let i = 0; i < 1000; i++) {
    const dir = join(big, `d${i % 20}`);
    mkdirSync(dir, { recursive: true });
    const content = i % 10 === 0 ? randomBytes(50_000) : Buffer.from(randomText(50_000));
    bytes += content.length;
    writeFileSync(join(dir, `f${i}${i % 10 === 0 ? '.bin' : '.txt'}`), content);
  }
  git(big, ['add', '-A']);
  const bigMs = time(big, [], 0);
  // The same with one leak at the end of the last file: found, so the scan above was real.
  const password = /^POSTGRES_PASSWORD=(.*)$/m.exec(readEnv(big))?.[1] ?? '';
  writeFileSync(join(big, 'd19/f999.txt'), `${randomText(50_000)}\n${Buffer.from(`x${password}`).toString('base64')}\n`);
  git(big, ['add', '-A']);
  const leak = guard(big, []);
  if (leak.status !== 1 || !/f999\.txt:\d+ {2}the value, base64-encoded, of POSTGRES_PASSWORD/.test(leak.stdout)) {
    throw new Error(`the planted leak was not found:\n${leak.stdout}${leak.stderr}`);
  }

  step('guard: --history over 10,000 commits (git fast-import)');
  const hist = repo('guard-history');
  git(hist, ['fast-import', '--quiet'], fastImportStream(10_000, 200));
  const count = Number(git(hist, ['rev-list', '--count', '--all']).trim());
  const historyMs = time(hist, ['--history'], 0);
  const json = JSON.parse(spawnSync(process.execPath, ['--', bin, '--json', 'guard', '--no-keyring', '--history'], { cwd: hist, env: gitEnv, encoding: 'utf8' }).stdout);

  return {
    small: { files: 5, ...smallMs },
    staged: { files: 1000, bytes, ...bigMs, mbPerS: bytes / 1e6 / (bigMs.ms / 1000) },
    history: { commits: count, fileVersions: json.files, bytes: json.bytes, ...historyMs },
  };
}

function readEnv(dir) {
  return readFileSync(join(dir, '.env'), 'utf8');
}

/** Lines of base64 text: the worst case for the matcher (every needle's alphabet). */
function randomText(size) {
  return randomBytes(Math.ceil((size * 3) / 4))
    .toString('base64')
    .slice(0, size)
    .replace(/(.{76})/g, '$1\n');
}

/** A fast-import stream of `commits` commits on main, each changing one of `files` small files. */
function fastImportStream(commits, files) {
  const parts = [];
  for (let i = 1; i <= commits; i++) {
    const body = `${i}\n${randomText(900)}\n`;
    const message = `commit ${i}\n`;
    parts.push(
      `commit refs/heads/main\ncommitter bench <bench@example.invalid> ${1_700_000_000 + i} +0000\ndata ${Buffer.byteLength(message)}\n${message}`,
      `M 100644 inline src/file${i % files}.txt\ndata ${Buffer.byteLength(body)}\n${body}\n`,
    );
  }
  return parts.join('');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
