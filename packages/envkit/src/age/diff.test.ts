import { describe, expect, it } from 'vitest';
import { parseDocument } from '../dotenv/document.js';
import { diffDocuments } from './diff.js';

describe('diffDocuments', () => {
  it('compares keys and fingerprints, never values; fingerprints are keyed per call', () => {
    const a = parseDocument('SAME=secret-value-1\nCHANGED=one\nONLY_A=x\n');
    const b = parseDocument('SAME=secret-value-1\nCHANGED=two\nONLY_B=y\n');
    const diff = diffDocuments(a, b);
    expect(diff.map((d) => [d.key, d.status])).toEqual([
      ['CHANGED', 'different'],
      ['ONLY_A', 'only-left'],
      ['ONLY_B', 'only-right'],
      ['SAME', 'same'],
    ]);
    const same = diff.find((d) => d.key === 'SAME');
    expect(same?.left).toMatch(/^[0-9a-f]{8}$/);
    expect(same?.left).toBe(same?.right);
    expect(JSON.stringify(diff)).not.toMatch(/secret-value|one|two/);
    expect(diffDocuments(a, b).find((d) => d.key === 'SAME')?.left).not.toBe(same?.left);
  });
});
