import { randomBytes } from 'node:crypto';
import { EnvkitError } from '../errors.js';

/**
 * `A-Z a-z 0-9 _ -` (64 characters). A value drawn from it is read the same, unquoted, by npm dotenv,
 * python-dotenv and compose-go, and goes into a URL's userinfo without percent-encoding (so Alembic,
 * which rejects any `%` in a URL, accepts it too). 64 symbols give exactly 6 bits per character.
 */
export const PORTABLE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** A source of uniformly random bytes, such as `crypto.randomBytes`. */
export type RandomSource = (size: number) => Uint8Array;

/** Options of {@link generatePassword}. */
export interface PasswordOptions {
  /** Number of characters, 8..4096. Default 32 (192 bits with the default alphabet). */
  length?: number;
  /** The characters to draw from: at least 2, no repeats. Default {@link PORTABLE_ALPHABET}. */
  alphabet?: string;
}

const MIN_LENGTH = 8;
const MAX_LENGTH = 4096;
const MAX_ALPHABET = 65536;

/**
 * Draw `count` integers, each uniform in `[0, size)`, from a byte source by rejection sampling.
 * A draw of one byte (two for `size` above 256) is kept only below the largest multiple of `size`
 * that fits, so `draw % size` has no modulo bias. `random` is injectable so tests can feed known bytes.
 *
 * @example
 * sampleIndices(3, 3, () => Uint8Array.of(0, 255, 1, 2)); // [0, 1, 2]: 255 is rejected (255 >= 255)
 */
export function sampleIndices(count: number, size: number, random: RandomSource = randomBytes): number[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new EnvkitError('USAGE', `sampleIndices: count must be a non-negative integer`);
  }
  if (!Number.isSafeInteger(size) || size < 2 || size > MAX_ALPHABET) {
    throw new EnvkitError('USAGE', `sampleIndices: size must be an integer from 2 to ${MAX_ALPHABET}`);
  }
  const width = size <= 256 ? 1 : 2;
  const range = width === 1 ? 256 : 65536;
  const limit = range - (range % size);
  const out: number[] = [];
  // A run of rejections is astronomically unlikely from a real source; the cap turns a broken
  // (e.g. constant) source into an error instead of an endless loop.
  let rounds = 0;
  while (out.length < count) {
    if (++rounds > 1000) {
      throw new EnvkitError('USAGE', 'sampleIndices: the random source keeps returning rejected bytes', {
        hint: 'use crypto.randomBytes',
      });
    }
    // Ask for a little more than needed: at worst just under half the draws are rejected.
    const want = (count - out.length) * width * 2 + 8;
    const bytes = random(want);
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
      throw new EnvkitError('USAGE', 'sampleIndices: the random source returned no bytes');
    }
    for (let i = 0; i + width <= bytes.length && out.length < count; i += width) {
      const draw = width === 1 ? bytes[i]! : bytes[i]! * 256 + bytes[i + 1]!;
      if (draw < limit) out.push(draw % size);
    }
  }
  return out;
}

/**
 * Bits of entropy of a secret of `length` characters drawn uniformly from `alphabetSize` symbols.
 *
 * @example
 * entropyBits(32, 64); // 192
 */
export function entropyBits(length: number, alphabetSize: number): number {
  if (!Number.isSafeInteger(length) || length < 0 || !Number.isSafeInteger(alphabetSize) || alphabetSize < 1) {
    throw new EnvkitError('USAGE', 'entropyBits: length must be ≥ 0 and alphabetSize ≥ 1, both integers');
  }
  return length * Math.log2(alphabetSize);
}

/**
 * A new random password from the OS CSPRNG, every character uniform over the alphabet (no modulo bias).
 * The default (32 characters of {@link PORTABLE_ALPHABET}) has 192 bits of entropy and needs neither
 * quoting in `.env` nor percent-encoding in a database URL.
 *
 * @throws EnvkitError('USAGE') when `length` is not an integer in 8..4096 or the alphabet has fewer than
 * 2 characters or repeats one (a repeat would make that character more likely).
 * @example
 * const password = generatePassword(); // e.g. 'q3V_0b-...' (32 characters)
 */
export function generatePassword(options: PasswordOptions = {}, random: RandomSource = randomBytes): string {
  const length = options.length ?? 32;
  if (!Number.isSafeInteger(length) || length < MIN_LENGTH || length > MAX_LENGTH) {
    throw new EnvkitError('USAGE', `password length must be an integer from ${MIN_LENGTH} to ${MAX_LENGTH}`, {
      hint: 'the default, 32, gives 192 bits with the portable alphabet',
    });
  }
  // Code points, not UTF-16 units, so an alphabet with emoji or other astral characters works.
  const symbols = Array.from(options.alphabet ?? PORTABLE_ALPHABET);
  if (new Set(symbols).size !== symbols.length) {
    throw new EnvkitError('USAGE', 'password alphabet repeats a character', {
      hint: 'list each character once; a repeated one would be drawn more often',
    });
  }
  if (symbols.length < 2 || symbols.length > MAX_ALPHABET) {
    throw new EnvkitError('USAGE', `password alphabet must have 2 to ${MAX_ALPHABET} distinct characters`);
  }
  return sampleIndices(length, symbols.length, random)
    .map((i) => symbols[i]!)
    .join('');
}
