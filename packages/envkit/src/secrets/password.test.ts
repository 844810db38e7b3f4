import { describe, expect, it } from 'vitest';
import { isEnvkitError } from '../errors.js';
import { PORTABLE_ALPHABET, entropyBits, generatePassword, sampleIndices } from './password.js';

/** A byte source that plays back `bytes` (cycling), recording how many were asked for. */
function playback(bytes: number[]): (size: number) => Uint8Array {
  let at = 0;
  return (size) => {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = bytes[at++ % bytes.length]!;
    return out;
  };
}

function usageError(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    return isEnvkitError(error, 'USAGE');
  }
  return false;
}

describe('PORTABLE_ALPHABET', () => {
  it('is the 64 characters A-Z a-z 0-9 _ -, each once', () => {
    expect(PORTABLE_ALPHABET).toHaveLength(64);
    expect(new Set(PORTABLE_ALPHABET).size).toBe(64);
    expect(PORTABLE_ALPHABET).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('needs no percent-encoding in a URL', () => {
    for (const c of PORTABLE_ALPHABET) expect(encodeURIComponent(c)).toBe(c);
  });
});

describe('sampleIndices', () => {
  it('rejects bytes at or above the largest multiple of the size (3 → limit 255)', () => {
    // 255 is the one rejected byte for size 3; 254 % 3 = 2, 3 % 3 = 0.
    expect(sampleIndices(4, 3, playback([255, 0, 255, 1, 254, 3]))).toEqual([0, 1, 2, 0]);
  });

  it('keeps drawing until enough bytes are accepted (size 200 → limit 200)', () => {
    expect(sampleIndices(2, 200, playback([200, 250, 199, 255, 7]))).toEqual([199, 7]);
  });

  it('uses two bytes per draw above 256 symbols, big-endian', () => {
    // size 300: limit = 65536 - 65536 % 300 = 65400; 0xFF 0xFF = 65535 is rejected.
    expect(sampleIndices(2, 300, playback([0xff, 0xff, 0x01, 0x2c, 0x00, 0x05]))).toEqual([0, 5]);
  });

  it('maps every accepted byte onto the alphabet the same number of times', () => {
    for (const size of [2, 3, 5, 7, 10, 62, 64, 100, 129, 255, 256]) {
      const every = Array.from({ length: 256 }, (_, i) => i);
      const counts = new Array<number>(size).fill(0);
      // One pass over all 256 byte values: exactly floor(256/size) hits per symbol survive.
      const out = sampleIndices(256 - (256 % size), size, playback(every));
      for (const i of out) counts[i]!++;
      expect(new Set(counts)).toEqual(new Set([Math.floor(256 / size)]));
    }
  });

  it('fails instead of looping forever on a source that only returns rejected bytes', () => {
    expect(usageError(() => sampleIndices(1, 3, playback([255])))).toBe(true);
  });

  it('validates its arguments', () => {
    expect(usageError(() => sampleIndices(1, 1))).toBe(true);
    expect(usageError(() => sampleIndices(-1, 5))).toBe(true);
    expect(usageError(() => sampleIndices(1, 65537))).toBe(true);
    expect(sampleIndices(0, 5)).toEqual([]);
  });
});

describe('generatePassword', () => {
  it('makes 32 portable characters by default', () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(32);
      expect(p).toMatch(/^[A-Za-z0-9_-]{32}$/);
    }
  });

  it('gives at least 190 bits at the defaults', () => {
    expect(entropyBits(32, PORTABLE_ALPHABET.length)).toBe(192);
    expect(entropyBits(32, PORTABLE_ALPHABET.length)).toBeGreaterThanOrEqual(190);
  });

  it('honours length and alphabet, including astral characters', () => {
    expect(generatePassword({ length: 8 })).toHaveLength(8);
    expect(generatePassword({ length: 4096 })).toHaveLength(4096);
    const p = generatePassword({ length: 50, alphabet: 'ab' });
    expect(p).toMatch(/^[ab]{50}$/);
    const e = Array.from(generatePassword({ length: 20, alphabet: '😀😎' }));
    expect(e).toHaveLength(20);
    for (const c of e) expect(['😀', '😎']).toContain(c);
  });

  it('is not predictable: 1000 passwords are distinct', () => {
    expect(new Set(Array.from({ length: 1000 }, () => generatePassword())).size).toBe(1000);
  });

  // 3 does not divide 256, so a modulo-biased generator favours one symbol (86/256 against 85/256).
  // Over 4 million draws that bias alone adds ≈ 122 to chi² (2 degrees of freedom; sd ≈ 22), while
  // uniform draws exceed 27.6 only with p = 1e-6. The control below proves the bound catches the bias.
  const DRAWS = 4_000_000;
  const BOUND = 27.6;
  const chiSquare = (counts: number[]): number => {
    const expected = counts.reduce((a, b) => a + b, 0) / counts.length;
    return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
  };

  it('is uniform over a 3-character alphabet (chi-square)', () => {
    const counts = [0, 0, 0];
    for (let drawn = 0; drawn < DRAWS; drawn += 4096) {
      for (const ch of generatePassword({ length: 4096, alphabet: 'abc' })) counts['abc'.indexOf(ch)]!++;
    }
    expect(chiSquare(counts)).toBeLessThan(BOUND);
  });

  it('control: a modulo-biased sampler fails the same chi-square bound', () => {
    const counts = [0, 0, 0];
    const bytes = new Uint8Array(65536);
    for (let drawn = 0; drawn < DRAWS; drawn += bytes.length) {
      crypto.getRandomValues(bytes);
      for (const b of bytes) counts[b % 3]!++;
    }
    expect(chiSquare(counts)).toBeGreaterThan(BOUND);
  });

  it('rejects bad options with a USAGE error', () => {
    expect(usageError(() => generatePassword({ length: 7 }))).toBe(true);
    expect(usageError(() => generatePassword({ length: 4097 }))).toBe(true);
    expect(usageError(() => generatePassword({ length: 12.5 }))).toBe(true);
    expect(usageError(() => generatePassword({ alphabet: 'a' }))).toBe(true);
    expect(usageError(() => generatePassword({ alphabet: '' }))).toBe(true);
    expect(usageError(() => generatePassword({ alphabet: 'abca' }))).toBe(true);
  });

  it('draws from the injected source', () => {
    expect(generatePassword({ length: 8, alphabet: 'ab' }, playback([0, 1, 2, 3, 4, 5, 6, 7]))).toBe('abababab');
  });
});

describe('entropyBits', () => {
  it('is length × log2(size)', () => {
    expect(entropyBits(10, 2)).toBe(10);
    expect(entropyBits(0, 64)).toBe(0);
    expect(entropyBits(4, 1)).toBe(0);
    expect(entropyBits(20, 62)).toBeCloseTo(119.08, 2);
  });

  it('rejects nonsense', () => {
    expect(usageError(() => entropyBits(-1, 64))).toBe(true);
    expect(usageError(() => entropyBits(1, 0))).toBe(true);
  });
});
