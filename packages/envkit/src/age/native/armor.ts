import { AgeFailure } from './failure.js';
import { strictBase64 } from './base64.js';

const BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const END = '-----END AGE ENCRYPTED FILE-----';
const COLUMNS = 64;
// age (armor/armor.go) skips at most this much whitespace before the armor and allows less after it.
const MAX_WHITESPACE = 1024;
const BLANK = /^[\t\n\v\f\r ]*$/;

/**
 * The binary age file inside its ASCII armor, read as age reads it: blank lines before the BEGIN line and
 * whitespace after the END line (at most 1 KiB each); each line may end in CRLF; between them lines of 64
 * columns of canonical padded base64 and a shorter, non-empty final one. Anything else is an armor failure.
 */
export function decodeArmor(bytes: Uint8Array): Buffer {
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1').split('\n');
  let at = 0;
  let skipped = 0;
  while (at < lines.length - 1 && BLANK.test(lines[at] as string)) {
    skipped += withoutCr(lines[at] as string).length + 1;
    if (skipped > MAX_WHITESPACE) throw new AgeFailure('armor');
    at++;
  }
  if (withoutCr(lines[at] as string) !== BEGIN || at === lines.length - 1) throw new AgeFailure('armor');
  const data: string[] = [];
  for (at++; at < lines.length; at++) {
    const line = withoutCr(lines[at] as string);
    if (line === END) break;
    // The line before must have been full (64 columns): only the last data line may be shorter.
    if ((data.at(-1)?.length ?? COLUMNS) !== COLUMNS) throw new AgeFailure('armor');
    if (line.length === 0 || line.length > COLUMNS || line.length % 4 !== 0 || at === lines.length - 1) throw new AgeFailure('armor');
    data.push(line);
  }
  if (at === lines.length) throw new AgeFailure('armor');
  const trailing = lines.slice(at + 1).join('\n');
  if (trailing.length >= MAX_WHITESPACE || !BLANK.test(trailing)) throw new AgeFailure('armor');
  const decoded = strictBase64(data.join(''), true);
  if (decoded === undefined) throw new AgeFailure('armor');
  return decoded;
}

function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
