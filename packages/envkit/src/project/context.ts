import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve, basename, dirname } from 'node:path';
import { EnvkitError } from '../errors.js';
import type { EnvSchema } from '../schema/define.js';
import { projectFiles } from '../files/names.js';

/** Where a project's files are and which schema governs them. */
export interface ProjectOptions {
  /** The project directory. */
  cwd: string;
  /** The env file, relative to `cwd` or absolute. Default `.env`. */
  envFile?: string;
  /** The schema. */
  schema: EnvSchema;
}

/** The resolved paths of a project. */
export interface ProjectPaths {
  dir: string;
  env: string;
  example: string;
  pending: string;
  lock: string;
  backup: string;
  gitignore: string;
  /** The env file's name as it appears in messages (relative to the project dir when inside it). */
  envName: string;
}

/** Resolve every file envkit reads or writes for a project. Pure: touches nothing. */
export function projectPaths(options: Pick<ProjectOptions, 'cwd' | 'envFile'>): ProjectPaths {
  const dir = resolve(options.cwd);
  const envFile = options.envFile ?? '.env';
  const env = isAbsolute(envFile) ? envFile : resolve(dir, envFile);
  const files = projectFiles(env);
  const envName = dirname(env) === dir ? basename(env) : env;
  return { dir, ...files, gitignore: resolve(dirname(env), '.gitignore'), envName };
}

/**
 * Throws FILE when the project directory is missing or not a directory: said as such, not as a missing
 * .env or a missing git (`-C /nonexistent` used to say "git is not installed").
 */
export function assertProjectDir(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new EnvkitError('FILE', `the project directory ${dir} ${existsSync(dir) ? 'is not a directory' : 'does not exist'}`, {
      path: dir,
      hint: 'give the project directory with -C <dir> (or run envkit there)',
    });
  }
}
