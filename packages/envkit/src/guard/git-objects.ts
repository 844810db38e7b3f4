import { spawn } from 'node:child_process';
import { EnvkitError } from '../errors.js';

/*
 * What the guard reads from git: which files a scope adds or changes (their path and blob id), and the
 * blobs' bytes through one `git cat-file --batch`. Only object ids and git's own options reach a git
 * argv or stdin; what the guard looks for never leaves this process.
 */

/** What to scan: the index (what `git commit` would record), the commits of a range, or every commit. */
export type GuardScope = { kind: 'staged' } | { kind: 'range'; range: string } | { kind: 'history' };

/** A file as one commit (or the index) has it. */
export interface GitFile {
  /** Relative to the repository's top, `/`-separated. */
  path: string;
  /** The blob id (40 or 64 hex digits). */
  blob: string;
  /** The commit that added or changed it; absent for the index. */
  commit?: string;
}

/** The files of a scope. */
export interface ScopeFiles {
  files: GitFile[];
  /** Commits listed (0 for the index). */
  commits: number;
}

interface GitRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs git in `cwd` with `args`, feeding `input` (object ids) on stdin. The environment is inherited on
 * purpose: in a hook, git sets GIT_INDEX_FILE (a `git commit -a` or `git commit <paths>` stages into a
 * temporary index) and the guard must read that index.
 */
function runGit(cwd: string, args: string[], input = ''): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => reject(gitError(error)));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

function gitError(error: NodeJS.ErrnoException): EnvkitError {
  if (error.code === 'ENOENT') {
    return new EnvkitError('TOOL', 'git is not installed (or not on PATH)', { hint: 'install git; the guard reads what to scan from it', cause: error });
  }
  return new EnvkitError('TOOL', `git could not be started: ${error.message}`, { cause: error });
}

function failed(what: string, run: GitRun, hint?: string): EnvkitError {
  const said = run.stderr.trim().split('\n').slice(-2).join(' ');
  return new EnvkitError('TOOL', `git ${what} failed (exit ${run.code})${said ? `: ${said}` : ''}`, hint === undefined ? {} : { hint });
}

/** The top directory of the work tree that holds `cwd`. Throws TOOL without git, USAGE outside a repository. */
export async function repositoryTop(cwd: string): Promise<string> {
  const run = await runGit(cwd, ['rev-parse', '--show-toplevel']);
  // Anything else (a repository of another user: "dubious ownership") is said in git's own words.
  if (run.code !== 0 && !/not a git repository/i.test(run.stderr)) throw failed('rev-parse --show-toplevel', run);
  if (run.code !== 0) {
    throw new EnvkitError('USAGE', `${cwd} is not inside a git work tree: there is nothing staged to guard`, {
      hint: 'run it in the repository (or pass -C <dir>); `git init` makes one',
    });
  }
  return run.stdout.toString('utf8').trim();
}

/** The directory git runs hooks from (absolute): `core.hooksPath` when set (`configured`), else `.git/hooks`. */
export async function hooksDirectory(top: string): Promise<{ dir: string; configured: boolean }> {
  const run = await runGit(top, ['rev-parse', '--path-format=absolute', '--git-path', 'hooks']);
  if (run.code !== 0) throw failed('rev-parse --git-path hooks', run);
  const configured = (await runGit(top, ['config', '--get', 'core.hooksPath'])).code === 0;
  return { dir: run.stdout.toString('utf8').trim(), configured };
}

/**
 * The files `scope` adds or changes, with their blob ids (deleted files and submodules are left out).
 * `cwd` is any directory of the work tree: the paths are relative to its top.
 */
export async function scopeFiles(cwd: string, scope: GuardScope): Promise<ScopeFiles> {
  // No --diff-filter: with it, git log would leave out the commits that only delete (and not count them).
  const raw = ['--raw', '-z', '--no-abbrev', '--no-renames', '--no-ext-diff', '--no-textconv'];
  if (scope.kind === 'staged') {
    const run = await runGit(cwd, ['diff', '--cached', ...raw]);
    if (run.code !== 0) throw failed('diff --cached', run);
    return { files: parseRaw(run.stdout).files, commits: 0 };
  }
  if (scope.kind === 'range' && (scope.range === '' || scope.range.startsWith('-'))) {
    throw new EnvkitError('USAGE', 'the range must be a revision range such as origin/main..HEAD', { hint: 'e.g. origin/main..HEAD', reason: 'range-invalid' });
  }
  // Merges are shown against their first parent, so content made while resolving a merge is scanned too.
  const revisions = scope.kind === 'range' ? ['--end-of-options', scope.range] : ['--all'];
  const run = await runGit(cwd, ['log', ...raw, '--format=%x01%H', '--root', '--diff-merges=first-parent', ...revisions]);
  if (run.code !== 0) {
    throw failed(`log ${scope.kind === 'range' ? scope.range : '--all'}`, run, scope.kind === 'range' ? 'give a range git knows, e.g. origin/main..HEAD' : undefined);
  }
  return parseRaw(run.stdout);
}

/** Parses `--raw -z` output, optionally with `%x01%H` commit headers before each commit's files. */
export function parseRaw(output: Buffer): ScopeFiles {
  const tokens = output.toString('utf8').split('\0');
  const files: GitFile[] = [];
  let commit: string | undefined;
  let commits = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = (tokens[i] as string).replace(/^\n/, '');
    if (token.startsWith('\x01')) {
      commit = token.slice(1).trim();
      commits++;
      continue;
    }
    if (!token.startsWith(':')) continue;
    // :<old mode> <new mode> <old id> <new id> <status>, then the path (two for a copy or rename).
    const [, newMode, , blob, status] = token.slice(1).split(' ');
    const paths = status?.startsWith('R') || status?.startsWith('C') ? 2 : 1;
    const path = tokens[i + paths] as string;
    i += paths;
    // What brings content in: Added, Copied, Modified, Renamed, Type changed (not Deleted, Unmerged).
    if (!/^[ACMRT]/.test(status ?? '')) continue;
    // 160000 is a submodule: its id names a commit of another repository.
    if (newMode === '160000' || blob === undefined || /^0+$/.test(blob)) continue;
    files.push(commit === undefined ? { path, blob } : { path, blob, commit });
  }
  return { files, commits };
}

/**
 * Streams the blobs `ids` through one `git cat-file --batch`, calling `onBlob` with each one's bytes in
 * the order given (a missing object is skipped). One process for all objects: a process per file would
 * cost more than the scan.
 */
export async function readBlobs(top: string, ids: readonly string[], onBlob: (id: string, bytes: Buffer) => void): Promise<void> {
  if (ids.length === 0) return;
  const child = spawn('git', ['cat-file', '--batch', '--buffer'], { cwd: top, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const parser = batchParser(onBlob);
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => reject(gitError(error)));
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        parser(chunk);
      } catch (error) {
        child.kill();
        reject(error);
      }
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(failed('cat-file --batch', { code, stdout: Buffer.alloc(0), stderr }));
    });
  });
  child.stdin.on('error', () => undefined);
  child.stdin.end(`${ids.join('\n')}\n`);
  await done;
}

/**
 * A parser of `git cat-file --batch` output fed chunk by chunk: `<id> <type> <size>\n<bytes>\n` or
 * `<id> missing\n`. A large object's chunks are joined once, when it is complete.
 */
function batchParser(onBlob: (id: string, bytes: Buffer) => void): (chunk: Buffer) => void {
  let chunks: Buffer[] = [];
  let have = 0;
  let header: { id: string; size: number } | undefined;
  const joined = (): Buffer => {
    const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    chunks = [all];
    return all;
  };
  const keep = (rest: Buffer): void => {
    chunks = [rest];
    have = rest.length;
  };
  return (chunk) => {
    chunks.push(chunk);
    have += chunk.length;
    for (;;) {
      if (header === undefined) {
        const all = joined();
        const newline = all.indexOf(0x0a);
        if (newline === -1) return;
        const fields = all.subarray(0, newline).toString('latin1').split(' ');
        keep(all.subarray(newline + 1));
        if (fields[1] === 'missing' || fields.length !== 3) continue;
        header = { id: fields[0] as string, size: Number(fields[2]) };
      }
      // The object, then one newline.
      if (have < header.size + 1) return;
      const all = joined();
      const { id, size } = header;
      header = undefined;
      keep(all.subarray(size + 1));
      onBlob(id, all.subarray(0, size));
    }
  };
}
