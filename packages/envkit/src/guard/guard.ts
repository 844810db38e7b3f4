import { existsSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import type { Finding, HeldAt } from '../findings.js';
import { hasErrors } from '../findings.js';
import type { EnvSchema } from '../schema/define.js';
import { rotateTarget, rotateTargets } from '../schema/rotate-target.js';
import { shellWord } from '../text/shell-word.js';
import { projectPaths, type ProjectOptions } from '../project/context.js';
import { ContentScanner, type ContentHit } from './content.js';
import { composeFindings, exampleFindings } from './file-rules.js';
import { readBlobs, repositoryTop, scopeFiles, type GitFile, type GuardScope } from './git-objects.js';
import { pathKind } from './paths.js';
import { secretsStillInWorkTree, type WorkTreeValues } from './work-tree.js';
import type { SecretSource, SecretValue } from './sources.js';

/** Options of {@link guardRepository}. */
export interface GuardOptions extends ProjectOptions {
  /** What to scan; default the index (`{ kind: 'staged' }`), what the next commit would record. */
  scope?: GuardScope;
  /** Where the project's current secret values are (see envFileSource, keyringSource). */
  sources: readonly SecretSource[];
}

/** One source as the guard used it: names only. */
export interface GuardSourceSummary {
  name: string;
  /** The secrets it had a value for. */
  keys: string[];
}

/** Result of {@link guardRepository}. Holds names, places and counts; never a value. */
export interface GuardResult {
  /** No error finding: the scanned content may be committed (or pushed). */
  ok: boolean;
  scope: GuardScope;
  /** The repository's top directory. */
  top: string;
  /** Paths are relative to `top`; a commit's findings say which commit in the message. */
  findings: Finding[];
  /** File versions scanned (a path in one commit, or in the index). */
  files: number;
  /** Distinct blobs read, and their total size in bytes. */
  blobs: number;
  bytes: number;
  /** Commits listed (0 for the index). */
  commits: number;
  sources: GuardSourceSummary[];
  /** Secrets whose value is shorter than 8 characters: not searched (see docs/guard.md). */
  shortKeys: string[];
}

/**
 * The secret guard (`envkit guard`): scans what `scope` brings into the repository — the index by default —
 * and reports, as error findings with file:line and key:
 *
 * - `guard.env-file`: a plaintext env file of any environment (pathKind);
 * - `guard.age-key`: an age secret key (`AGE-SECRET-KEY-1…`, or a variant's `AGE-SECRET-KEY-<NAME>-1…`);
 * - `guard.secret-value`: a current secret of the project (from every source), raw, URL-encoded or in base64;
 * - `guard.example-value`: a secret given a real value in `.env.example`;
 * - `compose.literal-secret`: a secret written literally in a compose file (the rule of `envkit check`).
 *
 * Binary files are searched like any other. Values are matched in this process's memory only: git gets
 * object ids on stdin, never a value, and nothing is written. Throws TOOL without git, USAGE outside a
 * repository or for a bad range, and what a source throws (PARSE for an unreadable `.env`).
 *
 * @example
 * const result = await guardRepository({ cwd, schema: memuSchema, sources: [envFileSource({ cwd, schema: memuSchema })] });
 * if (!result.ok) for (const f of result.findings) console.log(`${f.file}:${f.line} ${f.key ?? ''} ${f.message}`);
 */
export async function guardRepository(options: GuardOptions): Promise<GuardResult> {
  const scope = options.scope ?? { kind: 'staged' };
  // git's paths are relative to the top whatever directory it runs in: both questions are asked at once,
  // which a hook notices (each git start is a few milliseconds, more on a loaded machine).
  const [topRun, listRun] = await Promise.allSettled([repositoryTop(options.cwd), scopeFiles(options.cwd, scope)]);
  if (topRun.status === 'rejected') throw topRun.reason;
  if (listRun.status === 'rejected') throw listRun.reason;
  const top = topRun.value;
  const listed = listRun.value;
  const sourced: { source: SecretSource; values: SecretValue[] }[] = [];
  for (const source of options.sources) sourced.push({ source, values: await source.read() });
  // Each value knows the encrypted environment it came from: a leak of it is rotated there.
  const scanner = new ContentScanner(
    sourced.flatMap(({ source: { environment }, values }) => (environment === undefined ? values : values.map((v) => ({ ...v, environment })))),
  );
  const paths = projectPaths(options);
  const envFile = repositoryPath(top, paths.env);
  // A real value in the example may be of any place it serves: the env file (where it exists) and each
  // encrypted environment searched (one this user can open, so rotate --env works for them).
  const searched = [...new Set(options.sources.flatMap((s) => (s.environment === undefined ? [] : [s.environment])))];
  const envExists = existsSync(paths.env);
  const exampleHeld: HeldAt = searched.length === 0 && envExists ? {} : { environments: searched, plain: envExists };
  // The committed env files as they are in the work tree, each read once however many versions the scan meets.
  const workTree: WorkTreeValues = new Map();

  // Each path once per blob; in a range or the history the oldest commit that brought it is named (git
  // lists newest first).
  const pairs = new Map<string, GitFile>();
  for (const file of [...listed.files].reverse()) {
    const id = `${file.blob}\0${file.path}`;
    if (!pairs.has(id)) pairs.set(id, file);
  }
  const byBlob = new Map<string, GitFile[]>();
  for (const file of pairs.values()) {
    const list = byBlob.get(file.blob);
    if (list) list.push(file);
    else byBlob.set(file.blob, [file]);
  }

  const findings: Finding[] = [];
  // Across commits a file keeps a leak through many versions: each path, rule and key is reported once, for
  // the oldest commit (the blobs come oldest first). The index has one version of each path.
  const reported = new Set<string>();
  const add = (f: Finding): void => {
    const id = scope.kind === 'staged' ? `${f.rule}\0${f.file}\0${f.key}\0${f.line}` : `${f.rule}\0${f.file}\0${f.key}`;
    if (reported.has(id)) return;
    reported.add(id);
    findings.push(f);
  };
  let bytesRead = 0;
  // Per file in the order read: its findings, and the rules of its kind still to run on its text (parsing
  // a compose file is asynchronous: js-yaml loads on first use). Reported in that order once all are read.
  const scanned: { found: Finding[]; rules?: () => Promise<Finding[]> | Finding[]; commit?: string | undefined; env?: { where: Where; hits: ContentHit[] } }[] = [];
  // A committed env file's secrets still in the work tree, from any of its versions: its finding is reported once,
  // for the oldest commit, and names them all (a newer commit may hold the value the file holds now).
  const stillHeld = new Map<string, Set<string>>();
  await readBlobs(top, [...byBlob.keys()], (blob, bytes) => {
    bytesRead += bytes.length;
    const hits = scanner.scan(bytes);
    let text: string | undefined;
    for (const file of byBlob.get(blob) ?? []) {
      const kind = pathKind(file.path, envFile === undefined ? {} : { envFile });
      const where = { file: file.path, commit: file.commit, scope };
      if (kind === 'env') {
        // Only a committed one is rotated: its values still in the file as it is now are rotated there.
        const still = file.commit === undefined ? [] : secretsStillInWorkTree(join(top, file.path), (text ??= bytes.toString('utf8')), options.schema, paths.env, workTree);
        const held = stillHeld.get(file.path) ?? new Set<string>();
        for (const key of still) held.add(key);
        stillHeld.set(file.path, held);
        scanned.push({ found: [], env: { where, hits } });
        continue;
      }
      const found = hits.map((hit) => hitFinding(where, hit, options.schema));
      if (kind === 'example' || kind === 'compose') {
        const fileText = (text ??= bytes.toString('utf8'));
        const rules = kind === 'example' ? () => exampleFindings(fileText, file.path, options.schema, file.commit, exampleHeld) : () => composeFindings(fileText, file.path);
        scanned.push({ found, rules, commit: file.commit });
      } else scanned.push({ found });
    }
  });
  for (const { found, rules, commit, env } of scanned) {
    if (env !== undefined) {
      const held = stillHeld.get(env.where.file);
      found.push(envFileFinding(env.where, env.hits, options.schema, Object.keys(options.schema.vars).filter((key) => held?.has(key))));
    }
    if (rules !== undefined) {
      const more = await rules();
      // A line that holds a current secret's value is reported once, as such.
      const known = new Set(found.map((f) => f.line));
      for (const f of more) if (!known.has(f.line)) found.push(inCommit(f, commit));
    }
    for (const f of found) add(f);
  }

  findings.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
  return {
    ok: !hasErrors(findings),
    scope,
    top,
    findings,
    files: pairs.size,
    blobs: byBlob.size,
    bytes: bytesRead,
    commits: listed.commits,
    sources: sourced.map(({ source, values }) => ({ name: source.name, keys: [...new Set(values.map((v) => v.key))] })),
    shortKeys: scanner.shortKeys,
  };
}

/** `path` relative to the repository's top with `/`, or undefined when it is outside. */
function repositoryPath(top: string, path: string): string | undefined {
  const rel = relative(top, path);
  return rel === '' || rel.startsWith('..') ? undefined : rel.split(sep).join(posix.sep);
}

interface Where {
  file: string;
  commit: string | undefined;
  scope: GuardScope;
}

function committed(where: Where): string {
  return where.commit === undefined ? '' : ` (commit ${where.commit.slice(0, 12)})`;
}

/** How to undo a committed leak: rewrite the commit if it is local, rotate once it was pushed. */
function historyFix(where: Where, then: string): string {
  return `it is in commit ${(where.commit ?? '').slice(0, 12)}: if that commit was never pushed, rewrite it (git rebase -i, or git commit --amend for the last one) without the file or value; once pushed, ${then}`;
}

/**
 * A committed plaintext env file. `stillHeld`: its secrets whose committed value the file in the work tree still
 * holds (another plain env file than the one searched), rotated there.
 */
function envFileFinding(where: Where, hits: readonly ContentHit[], schema: EnvSchema, stillHeld: readonly string[] = []): Finding {
  const secrets = hits.filter((h) => h.kind === 'secret');
  const keys = [...new Set(secrets.map((h) => h.key))];
  const still = stillHeld.filter((key) => !keys.includes(key));
  const holds = `${keys.length === 0 ? '' : `; it holds the current value of ${keys.join(', ')}`}${still.length === 0 ? '' : `; ${where.file} still holds the committed value of ${still.join(', ')}`}`;
  // Each rotated where its values are held now, as a leaked value is (hitFinding): the plaintext of an encrypted
  // environment (.env.production) holds that environment's values, rotated with it. A value found nowhere searched
  // but still in the file is rotated there (-f); one also found there (a copy of .env) only where it was found: two
  // rotations would leave the database with the second password and the first file without it.
  const targets = rotateTargets(schema, [...keys, ...still]).map((target) => {
    const found = secrets.filter((h) => rotateTarget(schema, h.key).key === target.key);
    return { ...target, ...(found.length === 0 ? { plain: false, stillInFile: true } : heldAt(found)) };
  });
  const rotate = targets.length === 0 ? 'rotate every secret it held' : `rotate what it held: ${targets.map((t) => t.key).join(', ')}`;
  return {
    severity: 'error',
    rule: 'guard.env-file',
    file: where.file,
    message: `${where.file} is a plaintext env file${committed(where)}: env files stay out of git (only .env.example and encrypted .age files go in)${holds}`,
    fix:
      where.commit === undefined
        ? `git rm --cached -- ${shellWord(where.file)} (the file stays on disk), then add it to .gitignore so git ignores it`
        : historyFix(where, rotate),
    hint: { code: 'guard-env-file', file: where.file, ...(where.commit === undefined ? {} : { commit: where.commit }), rotate: targets },
  };
}

function hitFinding(where: Where, hit: ContentHit, schema: EnvSchema): Finding {
  if (hit.kind === 'age-key') {
    return {
      severity: 'error',
      rule: 'guard.age-key',
      file: where.file,
      line: hit.line,
      message: `an age secret key (AGE-SECRET-KEY-1…) is in ${where.file}${committed(where)}: whoever has it can decrypt every environment encrypted to it`,
      fix:
        where.commit === undefined
          ? `keep identities outside the repository: remove the key from the file, or \`git rm --cached -- ${shellWord(where.file)}\` for an identity file`
          : historyFix(where, 'make a new identity (age-keygen), re-encrypt the environments to it and remove the old recipient'),
    };
  }
  const how = hit.encoding === 'raw' ? 'the value' : hit.encoding === 'base64' ? 'the value, base64-encoded,' : 'the value, URL-encoded,';
  return {
    severity: 'error',
    rule: 'guard.secret-value',
    key: hit.key,
    file: where.file,
    line: hit.line,
    message: `${how} of ${hit.key} is in ${where.file}${committed(where)}`,
    fix:
      where.commit === undefined
        ? `replace it with a reference (\${${hit.key}}) or remove it, then \`git add -- ${shellWord(where.file)}\`; if it was ever pushed, rotate it`
        : historyFix(where, 'rotate it'),
    hint: {
      code: 'guard-secret-value',
      key: hit.key,
      file: where.file,
      ...(where.commit === undefined ? {} : { commit: where.commit }),
      rotate: rotateTarget(schema, hit.key),
      ...heldAt([hit]),
    },
  };
}

/** Where the values of `hits` are held: nothing to say when only the env file (or the keyring) holds them. */
function heldAt(hits: readonly Extract<ContentHit, { kind: 'secret' }>[]): HeldAt {
  const environments = [...new Set(hits.flatMap((h) => h.environments))];
  return environments.length === 0 ? {} : { environments, plain: hits.some((h) => h.plain) };
}

function inCommit(finding: Finding, commit: string | undefined): Finding {
  return commit === undefined ? finding : { ...finding, message: `${finding.message} (commit ${commit.slice(0, 12)})` };
}
