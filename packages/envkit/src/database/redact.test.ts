import { describe, expect, it } from 'vitest';
import { scramSha256Verifier } from '../secrets/scram.js';
import { redactSecrets, verifierParts } from './redact.js';

describe('redactSecrets', () => {
  it('redacts any SCRAM verifier and the given secrets', () => {
    const verifier = scramSha256Verifier('abcdefgh');
    const text = `LINE 1: ALTER ROLE "x" WITH PASSWORD '${verifier}';\nalso hunter2hunter2 here`;
    const out = redactSecrets(text, ['hunter2hunter2']);
    expect(out).toBe(`LINE 1: ALTER ROLE "x" WITH PASSWORD 'SCRAM-SHA-256$<redacted>';\nalso <redacted> here`);
  });

  it('redacts fragments of a verifier that lost its prefix (a truncated context line)', () => {
    const verifier = scramSha256Verifier('abcdefgh');
    const parts = verifierParts(verifier);
    expect(parts).toHaveLength(3);
    const out = redactSecrets(`...${verifier.slice(20)}`, parts);
    for (const part of parts) expect(out).not.toContain(part);
  });

  it('replaces the longer of overlapping secrets whole and ignores very short ones', () => {
    expect(redactSecrets('secret-long and secret', ['secret', 'secret-long'])).toBe('<redacted> and <redacted>');
    expect(redactSecrets('a b c', ['a'])).toBe('a b c');
  });
});
