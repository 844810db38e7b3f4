import { realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Finding } from 'envkit';
import { envFileSource, guardRepository, keyringSource, type GuardScope, type SecretSource } from 'envkit/project';
import type { Context } from '../context.js';
import type { FlagsOf } from '../command-table.js';
import { Exit } from '../exit-codes.js';
import { keyringMode, openKeyring } from '../keyring-option.js';
import { countLine, renderFindings } from '../render/findings.js';
import { wordFindings } from '../render/hints.js';
import { fixScope } from '../render/fix-scope.js';

/**
 * `envkit guard`: search what the next commit records (or a range, or the whole history) for env files,
 * age keys and the project's current secrets; findings name file:line and key, never a value. Exit 1 when
 * anything is found, as `envkit check`.
 */
export async function run(ctx: Context, flags: FlagsOf<'guard'>): Promise<number> {
  const project = await ctx.project();
  if (flags.range !== undefined && flags.history) {
    ctx.err('envkit: --range and --history cannot be used together');
    ctx.err('  fix: give one: --range origin/main..HEAD scans those commits, --history every commit');
    return Exit.Usage;
  }
  const scope: GuardScope = flags.history ? { kind: 'history' } : flags.range !== undefined ? { kind: 'range', range: flags.range } : { kind: 'staged' };
  // The secret sources: .env, then the keyring copies (an encrypted environment is one more entry).
  const sources: SecretSource[] = [envFileSource(project)];
  const keyring = await openKeyring(ctx, keyringMode(flags.keyring));
  let keyringNote: string | undefined;
  if (keyring.status === 'open') sources.push(keyringSource({ store: keyring.store, projectId: keyring.projectId, schema: project.schema }));
  else if (keyring.status === 'unavailable') keyringNote = `the keyring was not searched (${keyring.error.message})`;
  // The encrypted environments this user can open (loaded only when there is one: age is a bundle of its own).
  const environments = await encryptedEnvironmentSources(ctx, project, flags.keyring === false);
  let result;
  try {
    const guarded = await guardRepository({ ...project, scope, sources: [...sources, ...environments.sources] });
    const findings = filesFromProject(guarded.findings, guarded.top, ctx.cwd);
    result = { ...guarded, findings: wordFindings(findings, fixScope({ ...ctx, environment: undefined })) };
  } finally {
    if (keyring.status === 'open') await keyring.store.close();
  }
  if (ctx.json) {
    const { findings, ...rest } = result;
    ctx.printJson({ ...rest, keyring: keyringNote ?? null, environments: environments.note ?? null, findings });
    return result.ok ? 0 : Exit.Problems;
  }
  renderFindings(ctx, result.findings);
  const { style } = ctx;
  if (keyringNote) ctx.out(style.dim(`note: ${keyringNote}`));
  if (environments.note) ctx.out(style.dim(`note: ${environments.note}`));
  if (result.shortKeys.length > 0) ctx.out(style.dim(`note: not searched, shorter than 8 characters: ${result.shortKeys.join(', ')}`));
  const what =
    scope.kind === 'staged'
      ? `staged: ${plural(result.files, 'file')}`
      : `${scope.kind === 'range' ? scope.range : 'history'}: ${plural(result.commits, 'commit')}, ${plural(result.files, 'file version')}`;
  const searched = result.sources.map((s) => `${s.keys.length} from ${s.name}`).join(', ');
  ctx.out(`${result.ok ? style.green('ok') : style.red('blocked')}: ${countLine(result.findings)} (${what}, ${formatBytes(result.bytes)}; secrets searched: ${searched})`, !result.ok);
  if (!result.ok && scope.kind === 'staged') ctx.out(style.dim('Fix the above, or commit anyway with `git commit --no-verify` if a finding is wrong.'), true);
  return result.ok ? 0 : Exit.Problems;
}

/**
 * The findings with the files of their hints relative to the project directory, where their fixes' commands
 * (`git rm --cached -- FILE`, `git add -- FILE`, `envkit gitignore -f FILE`) run: git names them from the top.
 */
function filesFromProject(findings: readonly Finding[], top: string, cwd: string): Finding[] {
  const dir = realpathOr(cwd);
  return findings.map((finding) => {
    const { hint } = finding;
    if (hint === undefined || !('file' in hint)) return finding;
    const file = relative(dir, join(top, hint.file)).split(sep).join('/');
    return { ...finding, hint: { ...hint, file } };
  });
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** One source per `.env.<name>.age` of the project, opened with the user's identities (none: a note). */
async function encryptedEnvironmentSources(
  ctx: Context,
  project: { cwd: string; schema: SecretSourceSchema },
  noKeyring: boolean,
): Promise<{ sources: SecretSource[]; note?: string }> {
  const age = await import('envkit/age');
  const names = age.environmentNames(project.cwd);
  if (names.length === 0) return { sources: [] };
  const identities = await age.loadIdentities({ files: ctx.identityFiles, keyring: noKeyring ? 'off' : 'auto', env: ctx.io.env });
  if (identities.length === 0) return { sources: [], note: `the encrypted environments (${names.join(', ')}) were not searched: no age identity (envkit identity)` };
  const keys = identities.map((i) => i.identity);
  return { sources: names.map((name) => age.environmentSource({ dir: project.cwd, name, schema: project.schema, identities: keys })) };
}

type SecretSourceSchema = Parameters<typeof envFileSource>[0]['schema'];
