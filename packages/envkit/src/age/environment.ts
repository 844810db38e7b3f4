import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { parseDocument, assertParsed, type EnvDocument } from '../dotenv/document.js';
import { readTextFile, writeFileAtomic, type WriteResult } from '../files/write-file.js';
import { projectFiles } from '../files/names.js';
import { decryptText, encryptText, noIdentity } from './cipher.js';
import { parseRecipients, type RecipientEntry } from './recipients-file.js';

// Environment names become file names and appear in commands envkit suggests: keep them plain.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** Where an environment's files are. */
export interface EnvironmentPaths {
  dir: string;
  name: string;
  /** `.env.<name>.age`: the encrypted environment, ASCII-armored (committed). */
  encrypted: string;
  /** `.env.<name>.recipients`: who can decrypt it (committed). */
  recipients: string;
  /** `.env.<name>`: where a plaintext copy would be (git-ignored; envkit never writes it). */
  plaintext: string;
  /** The lock of writes to this environment. */
  lock: string;
  /** File names as messages show them (relative to `dir`). */
  encryptedName: string;
  recipientsName: string;
}

/**
 * The files of environment `name` in project `dir`: `.env.<name>.age` (encrypted, committed) beside
 * `.env.<name>.recipients` (who may read it, committed). Throws USAGE for a name that is not 1–63 of
 * `A-Z a-z 0-9 _ -` starting with a letter or digit, or that would collide with envkit's own files.
 */
export function environmentPaths(dir: string, name: string): EnvironmentPaths {
  if (!NAME.test(name) || name === 'example' || name.startsWith('envkit')) {
    throw new EnvkitError('USAGE', `invalid environment name ${JSON.stringify(name)}`, {
      hint: 'use letters, digits, _ and - (e.g. production, staging); "example" and names starting with "envkit" are taken',
    });
  }
  const root = resolve(dir);
  const base = `.env.${name}`;
  return {
    dir: root,
    name,
    encrypted: join(root, `${base}.age`),
    recipients: join(root, `${base}.recipients`),
    plaintext: join(root, base),
    lock: projectFiles(join(root, base)).lock,
    encryptedName: `${base}.age`,
    recipientsName: `${base}.recipients`,
  };
}

/** The recipients of an environment; throws CRYPTO when the list is missing or empty. */
export function readRecipients(paths: EnvironmentPaths): RecipientEntry[] {
  const text = readTextFile(paths.recipients);
  const entries = text === undefined ? [] : parseRecipients(text, paths.recipientsName);
  if (entries.length === 0) {
    throw new EnvkitError('CRYPTO', `${paths.recipientsName} ${text === undefined ? 'does not exist' : 'lists no recipient'}: nobody could decrypt environment ${paths.name}`, {
      hint: 'add a recipient first (yourself)',
      reason: 'no-recipients',
      data: { environment: paths.name },
      path: paths.recipients,
    });
  }
  return entries;
}

/** An environment decrypted in memory. */
export interface OpenedEnvironment {
  paths: EnvironmentPaths;
  /** The plaintext, in memory only. */
  text: string;
  doc: EnvDocument;
}

/**
 * Decrypt environment `name` of project `dir` in memory and parse it: what `envkit run`, `decrypt` and
 * `guard` read. Nothing is written. Throws CRYPTO (no identity, not a recipient, damaged file), FILE
 * (missing) or PARSE (naming `.env.<name>.age`:line, never a value).
 *
 * @example
 * const identities = (await loadIdentities()).map((i) => i.identity);
 * const { doc } = await openEnvironment('/srv/memu', 'production', identities);
 * doc.get('POSTGRES_USER');
 */
export async function openEnvironment(dir: string, name: string, identities: readonly string[]): Promise<OpenedEnvironment> {
  const paths = environmentPaths(dir, name);
  const text = await readEnvironmentText(paths, identities);
  if (text === undefined) {
    throw new EnvkitError('FILE', `environment ${name} does not exist (no ${paths.encryptedName})`, {
      hint: 'create it: add its recipients, then write its values',
      reason: 'environment-missing',
      data: { environment: name },
      path: paths.encrypted,
    });
  }
  const doc = parseDocument(text);
  assertEnvironmentParsed(doc, paths);
  return { paths, text, doc };
}

/** {@link assertParsed} for a decrypted environment: its PARSE error names the environment (as data), whose lines are mended with its editor, not in a file. */
export function assertEnvironmentParsed(doc: EnvDocument, paths: EnvironmentPaths): void {
  try {
    assertParsed(doc, paths.encryptedName);
  } catch (error) {
    throw ofEnvironment(error, paths);
  }
}

/** `error` (thrown while reading environment `paths`), with the environment in its data when it is a PARSE error of the environment's own lines. */
export function ofEnvironment(error: unknown, paths: EnvironmentPaths): unknown {
  if (!isEnvkitError(error, 'PARSE') || error.path !== paths.encryptedName) return error;
  return namingEnvironment(error, paths);
}

/** `error` again, everything kept, with environment `paths` named in its data (for a fix in its terms). */
function namingEnvironment(error: EnvkitError, paths: EnvironmentPaths): EnvkitError {
  return new EnvkitError(error.code, error.message, {
    hint: error.hint,
    issues: error.issues,
    path: error.path,
    reason: error.reason,
    data: { ...error.data, environment: paths.name },
    cause: error,
  });
}

/** The decrypted text of an environment, or `undefined` when its file does not exist yet. */
export async function readEnvironmentText(paths: EnvironmentPaths, identities: readonly string[]): Promise<string | undefined> {
  const bytes = readBytes(paths.encrypted, paths.encryptedName);
  if (bytes === undefined) return undefined;
  if (identities.length === 0) throw noIdentity(paths.encryptedName);
  try {
    return await decryptText(bytes, identities, paths.encryptedName);
  } catch (error) {
    // Not a recipient: the way in is to be added to this environment; plaintext named .age: the way out is to
    // encrypt it as this environment. The error names the environment (as data) for that fix.
    if (!isEnvkitError(error, 'CRYPTO') || (error.reason !== 'not-recipient' && error.reason !== 'not-age')) throw error;
    throw namingEnvironment(error, paths);
  }
}

/**
 * Encrypt `text` to the environment's recipients (ASCII armor) and write `.env.<name>.age` atomically.
 * The caller holds the environment's lock and has checked the recipients ({@link assertNotLockedOut}).
 */
export async function sealEnvironment(paths: EnvironmentPaths, text: string, recipients: readonly RecipientEntry[]): Promise<WriteResult> {
  const sealed = await encryptText(text, recipients.map((r) => r.recipient));
  // Ciphertext is committed: 0644 for a new file, an existing one keeps its mode.
  return writeFileAtomic(paths.encrypted, new TextDecoder().decode(sealed), { mode: 0o644 });
}

/**
 * Refuse (REFUSED) a recipients list that none of `mine` (the recipients of the identities present) is on:
 * envkit would write a file nobody here can open again.
 */
export function assertNotLockedOut(paths: EnvironmentPaths, recipients: readonly RecipientEntry[], mine: readonly string[]): void {
  if (recipients.some((r) => mine.includes(r.recipient))) return;
  throw new EnvkitError('REFUSED', `none of your identities would be a recipient of ${paths.encryptedName}: you would lock yourself out`, {
    hint: mine.length === 0 ? 'create your identity and add it first' : `add yours first: ${mine[0]}`,
    reason: 'locked-out',
    data: { environment: paths.name, ...(mine[0] === undefined ? {} : { recipient: mine[0] }) },
    path: paths.recipients,
  });
}

/** The bytes of a regular file (armored or binary age), `undefined` when missing; symlinks and others refused. */
function readBytes(path: string, name: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    if (!fstatSync(fd).isFile()) throw new EnvkitError('FILE', `${name} is not a regular file`, { hint: `replace it with the committed file (git checkout -- ${name})`, path });
    return readFileSync(fd);
  } catch (error) {
    if (error instanceof EnvkitError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new EnvkitError('FILE', `${name} is a symlink; envkit reads only a regular file here`, { hint: 'replace the link by the file it points to', path });
    throw new EnvkitError('FILE', `cannot read ${name} (${code ?? 'error'})`, { hint: `check \`ls -l ${name}\``, path, cause: error });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
