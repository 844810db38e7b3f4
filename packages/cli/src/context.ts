import { resolve } from 'node:path';
import { EnvkitError, type EnvSchema } from 'envkit';
import { assertProjectDir } from 'envkit/project';
import type { Io } from './io.js';
import type { GlobalOptions } from './command-table.js';
import { createStyle, colorWanted, type Style } from './style.js';
import { loadSchemaModule } from './schema-module.js';

/** What every command gets: resolved options, output helpers and the schema loader. */
export interface Context {
  io: Io;
  /** The project directory (-C), absolute. */
  cwd: string;
  envFile: string;
  /** `--project <id>` as given (the keyring project id); resolved with ENVKIT_PROJECT by keyring-option.ts. */
  projectId: string | undefined;
  /** `--schema <module>` as given (relative to `io.cwd`), undefined for the memu schema. */
  schemaPath: string | undefined;
  /** The encrypted environment to work on: `--env`, else `ENVKIT_ENV`, else none (the plaintext env file). */
  environment: string | undefined;
  /** age key files to decrypt with: `keyFiles` resolved from `io.cwd` (none: the personal identity). */
  identityFiles: string[];
  /** `--identity <file>` as given (relative to `io.cwd`; not ENVKIT_IDENTITY_FILE, which the shell keeps): what a fix's commands must repeat. */
  givenIdentities: readonly string[];
  /** The key files decrypted with, as given: `--identity`, else `ENVKIT_IDENTITY_FILE`. */
  keyFiles: readonly string[];
  json: boolean;
  quiet: boolean;
  style: Style;
  /** Write a line to stdout (suppressed by --quiet, unless `force`). */
  out(line?: string, force?: boolean): void;
  /** Write a line to stderr. */
  err(line?: string): void;
  /** Print a JSON document on stdout. */
  printJson(value: unknown): void;
  loadSchema(): Promise<EnvSchema>;
  /** The project options for library calls. */
  project(): Promise<{ cwd: string; envFile: string; schema: EnvSchema }>;
}

/** The env file `--file` or its other name `--env-file` gives, `.env` by default; the two must not disagree. */
function envFileOf(options: GlobalOptions): string {
  if (options.file !== undefined && options.envFile !== undefined && options.file !== options.envFile) {
    throw new EnvkitError('USAGE', `--file ${options.file} and --env-file ${options.envFile} name different env files: give one`);
  }
  return givenEnvFile(options);
}

function givenEnvFile(options: GlobalOptions): string {
  return options.file ?? options.envFile ?? '.env';
}

/**
 * What the global options say a command works on: the project directory (-C), the env file, the schema module,
 * the encrypted environment. Also for an error's fixes, where the options may be the very thing refused.
 */
export function workedOn(
  options: GlobalOptions,
  io: Io,
): {
  cwd: string;
  envFile: string;
  schemaPath: string | undefined;
  projectId: string | undefined;
  environment: string | undefined;
  givenIdentities: readonly string[];
  keyFiles: readonly string[];
  io: Io;
} {
  return {
    cwd: resolve(io.cwd, options.cwd ?? '.'),
    envFile: givenEnvFile(options),
    schemaPath: options.schema,
    projectId: options.project,
    environment: options.env ?? (io.env.ENVKIT_ENV || undefined),
    givenIdentities: options.identity ?? [],
    keyFiles: options.identity?.length ? options.identity : io.env.ENVKIT_IDENTITY_FILE ? [io.env.ENVKIT_IDENTITY_FILE] : [],
    io,
  };
}

/** Build the context from the global options. Nothing is read from disk here. */
export function createContext(options: GlobalOptions, io: Io): Context {
  const { cwd, schemaPath, projectId, environment, givenIdentities, keyFiles } = workedOn(options, io);
  const json = options.json === true;
  const quiet = options.quiet === true;
  const style = createStyle(colorWanted(options.color !== false, io.env, io.stdout.isTTY) && !json);
  let schema: Promise<EnvSchema> | undefined;
  const ctx: Context = {
    io,
    cwd,
    envFile: envFileOf(options),
    projectId,
    schemaPath,
    environment,
    givenIdentities,
    keyFiles,
    identityFiles: keyFiles.map((f) => resolve(io.cwd, f)),
    json,
    quiet,
    style,
    out(line = '', force = false) {
      if (!quiet || force) io.stdout.write(`${line}\n`);
    },
    err(line = '') {
      io.stderr.write(`${line}\n`);
    },
    printJson(value) {
      io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    loadSchema() {
      schema ??= loadSchemaModule(options.schema, io.cwd);
      return schema;
    },
    async project() {
      const schema = await ctx.loadSchema();
      // `-C /nonexistent` is said as such, not as a missing .env, a failed write or a missing git.
      assertProjectDir(cwd);
      return { cwd, envFile: ctx.envFile, schema };
    },
  };
  return ctx;
}
