// The C2SP CCTV age test vectors (test/fixtures/cctv-age, BSD-licensed, see its README): every X25519, armor,
// header, HMAC and STREAM vector. A success vector must decrypt to its payload's hash; a failure vector must
// be refused, and for the part at fault (armor, header, HMAC, payload, no identity matched).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decryptAgeFile } from './decrypt.js';
import { AgeFailure, type AgeFailureKind } from './failure.js';
import { x25519Key } from './x25519.js';

const DIR = new URL('../../../../../test/fixtures/cctv-age/', import.meta.url);

interface Vector {
  name: string;
  expect: string;
  payload: string | undefined;
  identities: string[];
  armored: boolean;
  file: Buffer;
}

/** A vector file: `key: value` lines, a blank line, then the age file (zlib-compressed when it says so). */
function readVector(name: string): Vector {
  const raw = readFileSync(new URL(name, DIR));
  const split = raw.indexOf('\n\n');
  const fields = raw
    .toString('latin1', 0, split)
    .split('\n')
    .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)] as const);
  const all = (key: string) => fields.filter(([k]) => k === key).map(([, value]) => value);
  const body = raw.subarray(split + 2);
  return {
    name,
    expect: all('expect')[0] as string,
    payload: all('payload')[0],
    identities: all('identity'),
    armored: all('armored')[0] === 'yes',
    file: all('compressed')[0] === 'zlib' ? inflateSync(body) : body,
  };
}

const KIND: Record<string, AgeFailureKind> = {
  'armor failure': 'armor',
  'header failure': 'header',
  'HMAC failure': 'hmac',
  'payload failure': 'payload',
  'no match': 'no-match',
};
// The nonce is read with the header in age's Go code, so CCTV calls a file cut short before its 16-byte
// nonce a header failure. envkit reads whole files and says it was cut short (the payload's message, as
// with age-encryption).
const NONCE_CUT: Record<string, AgeFailureKind> = { stream_no_nonce: 'payload', stream_short_nonce: 'payload' };

const vectors = readdirSync(DIR)
  .filter((name) => name !== 'LICENSE' && name !== 'README.md' && !name.startsWith('.'))
  .map(readVector);

function outcome(vector: Vector): { plain: Buffer } | { kind: AgeFailureKind } {
  try {
    return { plain: decryptAgeFile(vector.file, vector.armored, vector.identities.map((identity) => x25519Key(identity))) };
  } catch (error) {
    if (error instanceof AgeFailure) return { kind: error.kind };
    throw error;
  }
}

describe('the CCTV age test vectors', () => {
  it('are all here: X25519, armor, header, HMAC and STREAM', () => {
    expect(vectors.length).toBe(98);
    expect(new Set(vectors.map((v) => v.expect))).toEqual(new Set(['success', ...Object.keys(KIND)]));
  });

  for (const vector of vectors) {
    it(`${vector.name}: ${vector.expect}`, () => {
      const got = outcome(vector);
      if (vector.expect === 'success') {
        expect(got).toHaveProperty('plain');
        expect(createHash('sha256').update((got as { plain: Buffer }).plain).digest('hex')).toBe(vector.payload);
      } else {
        expect(got).toEqual({ kind: NONCE_CUT[vector.name] ?? KIND[vector.expect] });
      }
    });
  }
});
