// Shared by the CLI end-to-end tests: fixtures and small readers of what the binary left on disk.
import { mkdirSync, readFileSync, statSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { testdir } from '../helpers/testdir.js';
import { parse } from 'dotenv';
import { ENVKIT_BIN, envkit, runProcess, type CliResult } from '../helpers/cli.js';

export { envkit, ENVKIT_BIN, runProcess, type CliResult };

/** Valid API keys, long and random-looking enough that finding one in output is never a coincidence. */
export const OPENAI_KEY = 'sk-e2eOpenAiKeyQ7vX2mN9pL4wR8tY3zB6';
export const OPENROUTER_KEY = 'sk-or-v1-e2eRouterKeyH5jK8nM2qS6uW9xA3';

/** The memu keys in schema order. */
export const MEMU_KEYS = [
  'OPENAI_API_KEY',
  'OPENROUTER_API_KEY',
  'OPENROUTER_BASE_URL',
  'OLLAMA_API_BASE_URL',
  'POSTGRES_DB',
  'POSTGRES_USER',
  'POSTGRES_PASSWORD',
  'MEMU_DB_URL',
  'MEMU_MEMORY_LIMIT',
  'DB_MEMORY_LIMIT',
] as const;

/** The file's text. */
export function read(dir: string, name = '.env'): string {
  return readFileSync(join(dir, name), 'utf8');
}

/** Replace the value of the `KEY=` line of .env (a text edit, as a user would). */
export function edit(dir: string, key: string, value: string): void {
  const text = read(dir).replace(new RegExp(`^${key}=.*$`, 'm'), `${key}=${value}`);
  writeFileSync(join(dir, '.env'), text);
}

/** The env file as npm dotenv reads it. */
export function readEnv(dir: string, name = '.env'): Record<string, string> {
  return parse(readFileSync(join(dir, name)));
}

/** Permission bits of a file. */
export function modeOf(dir: string, name: string): number {
  return statSync(join(dir, name)).mode & 0o777;
}

/** The names in a directory, sorted. */
export function ls(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** Any ANSI escape sequence. */
export const ANSI = /\u001b\[/;

/**
 * The per-key summary lines of `init`/`set`/`unset` as { key: action }. A line is two spaces, the key,
 * spaces, the action word (or, in a dry run, the phrase: "would be updated").
 */
export function summary(output: string): Record<string, string> {
  const actions: Record<string, string> = {};
  // A dry run's actions are phrases: "would be updated".
  for (const m of output.matchAll(/^ {2}([A-Z][A-Z0-9_]*) +(would(?: (?!secret\b)[a-z]+)+|[a-z]+)\b/gm)) actions[m[1]!] = m[2]!;
  return actions;
}

/** Run `envkit init --no-input` (plus `args`) in `dir`; fails the test unless it exits 0. */
export async function initProject(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const result = await envkit(dir, ['init', '--no-input', ...args], { env });
  if (result.code !== 0) throw new Error(`envkit init failed (${result.code}):\n${result.all}`);
  return result;
}

/** Run a shell command line (for umask and friends) with the clean environment the CLI helper uses. */
export function sh(cwd: string, script: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runProcess('/bin/sh', ['-c', script], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ENVKIT_NODE: process.execPath, ENVKIT_BIN, ...env },
  });
}

/** Run a shell command line in `cwd` whose `envkit` is the built CLI, as a user's PATH has it: a printed command, as written. */
export function envkitShell(cwd: string, line: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return sh(cwd, `envkit() { "$ENVKIT_NODE" -- "$ENVKIT_BIN" "$@"; }; ${line}`, env);
}

/** The `envkit rotate …` commands a fix names in backquotes, as printed. */
export function rotations(out: string): string[] {
  return [...out.matchAll(/`(envkit rotate [^`]*)`/g)].map((m) => m[1]!);
}

/** A directory whose node_modules resolves `envkit` and `zod` like an installed project's (for `--schema` modules). */
export function schemaProject(): string {
  const dir = testdir();
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(fileURLToPath(new URL('../../packages/envkit', import.meta.url)), join(dir, 'node_modules', 'envkit'));
  symlinkSync(fileURLToPath(new URL('../../examples/custom-schema/node_modules/zod', import.meta.url)), join(dir, 'node_modules', 'zod'));
  return dir;
}
