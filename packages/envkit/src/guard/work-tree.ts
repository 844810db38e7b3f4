import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { EnvSchema } from '../schema/define.js';
import { parseDocument } from '../dotenv/document.js';
import { readTextFile } from '../files/write-file.js';

/**
 * The secrets of the schema whose value in a committed plain env file (`text`, as a commit has it) is still its
 * value in the work tree (`path`, absolute): rotating that file (`envkit rotate -f FILE`) makes them useless.
 * None for the env file the guard reads (`envPath`: its values are searched as they are), for the plaintext of
 * an encrypted environment (`.env.NAME` beside `.env.NAME.age`: rotated with it, see docs/environments.md), and
 * for a file that is gone or cannot be read. Values are compared in memory and never leave the scan.
 * `read`: the work-tree files already read, shared by the calls of one scan (a history meets a file once per version).
 */
export function secretsStillInWorkTree(path: string, text: string, schema: EnvSchema, envPath: string, read: WorkTreeValues = new Map()): string[] {
  if (path === envPath) return [];
  if (!read.has(path)) read.set(path, workTreeValues(path));
  const now = read.get(path);
  if (now === undefined) return [];
  const then = parseDocument(text).toObject();
  return Object.keys(schema.vars).filter((key) => schema.vars[key]?.secret && then[key] !== undefined && then[key] !== '' && then[key] === now[key]);
}

/** The work-tree files read by {@link secretsStillInWorkTree}: each one's values, `undefined` for none to compare. */
export type WorkTreeValues = Map<string, Record<string, string> | undefined>;

function workTreeValues(path: string): Record<string, string> | undefined {
  if (existsSync(join(dirname(path), `${basename(path)}.age`))) return undefined;
  let current: string | undefined;
  try {
    current = readTextFile(path);
  } catch {
    return undefined;
  }
  return current === undefined ? undefined : parseDocument(current).toObject();
}
