import { AgeFailure } from './failure.js';
import { strictBase64 } from './base64.js';

const VERSION = 'age-encryption.org/v1';
const NEWLINE = 0x0a;
// A body line holds at most 48 bytes (64 columns); a shorter one, possibly empty, ends the stanza.
const BYTES_PER_LINE = 48;
const MAC_SIZE = 32;
const ARGUMENT = /^[\x21-\x7e]+$/;

/** One recipient stanza: `-> TYPE ARG…` and its body. */
export interface Stanza {
  type: string;
  args: string[];
  body: Buffer;
}

/** A parsed age header. */
export interface AgeHeader {
  stanzas: Stanza[];
  /** The header up to and including `---`: what the MAC covers. */
  macInput: Buffer;
  mac: Buffer;
  /** Where the payload (nonce, then STREAM chunks) begins. */
  payloadStart: number;
}

/**
 * The header of a binary age file, parsed as strictly as age does (internal/format/format.go): the version
 * line, stanzas of `-> ` and arguments of printable ASCII, bodies in canonical unpadded base64 wrapped at 64
 * columns and ended by a shorter line, then `--- ` and the 32-byte MAC. Anything else is a header failure.
 */
export function parseHeader(file: Buffer): AgeHeader {
  let at = 0;
  const line = (): string => {
    const end = file.indexOf(NEWLINE, at);
    if (end < 0) throw new AgeFailure('header');
    const text = file.toString('latin1', at, end);
    at = end + 1;
    return text;
  };
  if (line() !== VERSION) throw new AgeFailure('header');
  const stanzas: Stanza[] = [];
  for (;;) {
    const start = at;
    const [prefix, ...args] = line().split(' ');
    if (prefix === '---') {
      const mac = args.length === 1 ? strictBase64(args[0] as string, false) : undefined;
      if (mac === undefined || mac.length !== MAC_SIZE) throw new AgeFailure('header');
      return { stanzas, macInput: file.subarray(0, start + 3), mac, payloadStart: at };
    }
    if (prefix !== '->' || args.length === 0 || !args.every((arg) => ARGUMENT.test(arg))) throw new AgeFailure('header');
    const body: Buffer[] = [];
    for (;;) {
      const bytes = strictBase64(line(), false);
      if (bytes === undefined || bytes.length > BYTES_PER_LINE) throw new AgeFailure('header');
      body.push(bytes);
      if (bytes.length < BYTES_PER_LINE) break;
    }
    stanzas.push({ type: args[0] as string, args: args.slice(1), body: Buffer.concat(body) });
  }
}
