import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse as parseShell } from 'shell-quote';
import { EnvkitError } from '../errors.js';
import type { ComposeCommand } from '../database/compose-command.js';
import { findComposeFile } from './read.js';
import { shellWord } from '../text/shell-word.js';

/**
 * One compose project as the user runs it: the command with its own flags (`podman-compose
 * --podman-run-args='--runtime runc'`), the `-f` files in order, and the `-p` project name. Every compose
 * call envkit makes, and every command line it prints, is built from this, so a resumed rotation or a
 * printed `fix:` runs against the same stack the user named.
 */
export interface ComposeProject {
  compose: ComposeCommand;
  /** The directory compose runs in (the project directory). */
  dir: string;
  /** `-f` files, as given (relative to `dir` or absolute); empty: compose's own search in `dir`. */
  files: string[];
  /** `-p`; absent: compose's default (the first compose file's directory name). */
  projectName?: string;
}

/** The full argv of `compose [-f …] [-p …] <args>`. */
export function composeArgv(project: ComposeProject, args: readonly string[]): string[] {
  return [...project.compose.argv, ...projectArgs(project), ...args];
}

/** The `-f file … -p name` words of a project, in that order. */
export function projectArgs(project: Pick<ComposeProject, 'files' | 'projectName'>): string[] {
  return [...project.files.flatMap((file) => ['-f', file]), ...(project.projectName === undefined ? [] : ['-p', project.projectName])];
}

/** The container engine under a compose command, and how to call it. */
export interface ComposeEngine {
  kind: 'podman' | 'docker';
  /** e.g. `['podman']`, or the `--podman-path` the user gave podman-compose. */
  argv: string[];
}

/**
 * The engine a compose command drives: the `--podman-path` given to it, podman for podman-compose,
 * docker for `docker compose` and docker-compose.
 */
export function composeEngine(compose: ComposeCommand): ComposeEngine {
  const [command = '', ...flags] = compose.argv;
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    if (flag === '--podman-path' && flags[i + 1] !== undefined) return { kind: 'podman', argv: [flags[i + 1]!] };
    if (flag.startsWith('--podman-path=')) return { kind: 'podman', argv: [flag.slice('--podman-path='.length)] };
  }
  return /podman/.test(basename(command)) ? { kind: 'podman', argv: ['podman'] } : { kind: 'docker', argv: ['docker'] };
}

/**
 * The compose files of a project as paths: the `-f` files resolved against `dir`, or the one compose
 * finds in `dir` by itself. `[]` when there is none.
 */
export function composeFilePaths(project: Pick<ComposeProject, 'dir' | 'files'>): string[] {
  if (project.files.length > 0) return project.files.map((file) => resolve(project.dir, file));
  const found = findComposeFile(project.dir);
  return found === undefined ? [] : [found];
}

/**
 * {@link composeFilePaths}, where each `-f` file the user named must be a file.
 *
 * @throws EnvkitError `USAGE` (reason `compose-file-not-found`) naming the first that is not.
 */
export function givenComposeFilePaths(project: Pick<ComposeProject, 'dir' | 'files'>): string[] {
  for (const given of project.files) {
    const path = resolve(project.dir, given);
    if (!existsSync(path) || !statSync(path).isFile()) {
      throw new EnvkitError('USAGE', `the compose file ${given} does not exist (looked for ${path})`, { path, reason: 'compose-file-not-found' });
    }
  }
  return composeFilePaths(project);
}

/**
 * The directory compose records as the project's working directory (label
 * `com.docker.compose.project.working_dir`): the real path of the first compose file's directory.
 */
export function projectWorkingDir(project: Pick<ComposeProject, 'dir' | 'files'>): string {
  const [first] = composeFilePaths(project);
  const dir = first === undefined ? project.dir : dirname(first);
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/**
 * Split a compose command line into words as a POSIX shell would (shell-quote): whitespace separates,
 * quotes group, no expansion (`$X`, `~` and globs stay as typed). Pipes, redirections and `;` are
 * refused: envkit runs the command itself, without a shell.
 * `podman-compose --podman-run-args='--runtime runc'` gives `['podman-compose', '--podman-run-args=--runtime runc']`.
 *
 * @throws EnvkitError `USAGE` for shell operators or an empty command.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  for (const part of parseShell(line, (name) => `$${name}`)) {
    if (typeof part === 'string') words.push(part);
    else if ('op' in part && part.op === 'glob') words.push(part.pattern);
    else {
      throw new EnvkitError('USAGE', `the compose command ${JSON.stringify(line)} holds shell syntax (${'op' in part ? part.op : '#'}) envkit does not run`, {
        hint: "give only the command and its flags, quoted as a shell would, e.g. \"podman-compose --podman-run-args='--runtime runc'\"",
        reason: 'compose-cmd-shell',
      });
    }
  }
  if (words.length === 0) {
    throw new EnvkitError('USAGE', 'the compose command is empty', {
      hint: "name one, e.g. podman-compose or 'docker compose'",
      reason: 'compose-cmd-empty',
    });
  }
  return words;
}

/** A command line for people to read and paste: words with shell syntax are single-quoted. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}
