// Shared by the age end-to-end tests: a project with an encrypted environment made by the built CLI, keys
// made by the real age-keygen, and a watcher that proves no plaintext file appears while envkit works.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { envkit, type CliResult } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';
import { CANARY as RELIABILITY_CANARY, findLeak, memuEnvText as reliabilityEnvText } from '../reliability/support.js';

export { findLeak };

// Values of their own: the reliability suite's process watcher scans every process on the machine for its
// canaries, and `envkit run` here hands secrets to child processes' environments by design.
const own = (text: string): string => text.replaceAll('RelCanary', 'AgeCanary');
export const CANARY = Object.fromEntries(Object.entries(RELIABILITY_CANARY).map(([key, value]) => [key, own(value)])) as { [K in keyof typeof RELIABILITY_CANARY]: string };
export const memuEnvText = (...args: Parameters<typeof reliabilityEnvText>): string => own(reliabilityEnvText(...args));

/** age and age-keygen (Debian's age 1.1.1) answer. */
export const HAS_AGE = spawnSync('age', ['--version']).status === 0 && spawnSync('age-keygen', ['-y', '/dev/null']).error === undefined;

/** The secrets of memuEnvText(): none may ever appear in an output or a plaintext file. */
export const SECRETS = [CANARY.OPENAI_API_KEY, CANARY.OPENROUTER_API_KEY, CANARY.POSTGRES_PASSWORD];

/** A key made by the real age-keygen. */
export interface AgeKey {
  file: string;
  recipient: string;
}

/** `age-keygen -o FILE` in `dir`, and its recipient (`age-keygen -y`). */
export function keygen(dir: string, name: string): AgeKey {
  const file = join(dir, name);
  expect(spawnSync('age-keygen', ['-o', file]).status).toBe(0);
  const recipient = spawnSync('age-keygen', ['-y', file], { encoding: 'utf8' }).stdout.trim();
  expect(recipient).toMatch(/^age1[0-9a-z]{58}$/);
  return { file, recipient };
}

/** A project whose environment `production` holds memuEnvText(), encrypted to the personal identity. */
export interface AgeProject {
  dir: string;
  /** The environment every envkit call gets: its own XDG config (the personal identity) and temp dirs. */
  env: NodeJS.ProcessEnv;
  /** The personal identity file (`$XDG_CONFIG_HOME/envkit/identity.txt`). */
  identityFile: string;
  recipient: string;
  /** Every output of every envkit call made through `run`, for the leak scan. */
  outputs: string[];
  run(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult>;
}

/** Make an {@link AgeProject}: identity, recipients add, encrypt --from a file outside the project (environment `name`). */
export async function ageProject(text = memuEnvText(), name = 'production', files: Record<string, string> = {}): Promise<AgeProject> {
  const dir = testdir(files);
  const config = testdir();
  const tmp = testdir();
  const env = { XDG_CONFIG_HOME: config, TMPDIR: tmp, XDG_RUNTIME_DIR: tmp };
  const outputs: string[] = [];
  const run: AgeProject['run'] = async (args, options = {}) => {
    const result = await envkit(dir, args, { ...options, env: { ...env, ...options.env } });
    outputs.push(result.all);
    return result;
  };
  const identity = await run(['identity', '--no-keyring']);
  expect(identity.code, identity.all).toBe(0);
  const added = await run(['recipients', 'add', '--env', name, '--name', 'alice']);
  expect(added.code, added.all).toBe(0);
  const source = join(testdir(), 'source.env');
  writeFileSync(source, text);
  const encrypted = await run(['encrypt', '--env', name, '--from', source]);
  expect(encrypted.code, encrypted.all).toBe(0);
  rmSync(source);
  return { dir, env, identityFile: join(config, 'envkit', 'identity.txt'), recipient: identity.stdout.trim(), outputs, run };
}

/** `age -d -i KEY FILE`: the plaintext, or the failure. */
export function ageDecrypt(key: string, file: string): { ok: boolean; text: string } {
  const out = spawnSync('age', ['-d', '-i', key, file], { encoding: 'utf8' });
  return { ok: out.status === 0, text: out.stdout };
}

/** What a {@link watchPlaintext} saw. */
export interface WatchReport {
  /** Every name created or changed, per directory. */
  names: Record<string, string[]>;
  /** Files whose contents held a secret when read, as `dir/name`. */
  plaintext: string[];
}

/**
 * Watch directories while envkit works: every name that appears is recorded and read at once; one whose
 * bytes hold a piece of a secret is plaintext on disk. Polling scans back the events up (a file that lives
 * for microseconds may still be missed by both: the names list shows it was there).
 */
export function watchPlaintext(dirs: readonly string[], secrets: readonly string[] = SECRETS): { stop(): WatchReport } {
  const report: WatchReport = { names: {}, plaintext: [] };
  const inspect = (dir: string, name: string) => {
    (report.names[dir] ??= []).includes(name) || report.names[dir].push(name);
    try {
      const bytes = readFileSync(join(dir, name), 'utf8');
      if (findLeak(bytes, secrets) !== undefined && !report.plaintext.includes(`${dir}/${name}`)) report.plaintext.push(`${dir}/${name}`);
    } catch {
      // gone already, or a directory
    }
  };
  const watchers: FSWatcher[] = dirs.filter((d) => existsSync(d)).map((dir) => watch(dir, (_event, name) => name && inspect(dir, name.toString())));
  return {
    stop() {
      for (const w of watchers) w.close();
      return report;
    },
  };
}
