import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MultiMatcher } from './matcher.js';
import { needlesFor } from './needles.js';

/** Every (needle, offset) that one indexOf per needle finds: what the one-pass matcher must equal. */
function naive(needles: Buffer[], text: Buffer): string[] {
  const found: string[] = [];
  needles.forEach((needle, id) => {
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) found.push(`${at}:${id}`);
  });
  return found.sort();
}

function matched(needles: Buffer[], text: Buffer): string[] {
  const found: string[] = [];
  let last = -1;
  new MultiMatcher(needles).search(text, (id, at) => {
    expect(at).toBeGreaterThanOrEqual(last);
    last = at;
    found.push(`${at}:${id}`);
  });
  return found.sort();
}

describe('MultiMatcher', () => {
  it('finds exactly what indexOf finds, overlaps and shared prefixes included (small alphabet, so matches are many)', () => {
    const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a.map((b) => 97 + (b % 3))));
    fc.assert(
      fc.property(fc.array(bytes(2, 12), { minLength: 1, maxLength: 8 }), bytes(0, 400), (needles, text) => {
        expect(matched(needles, text)).toEqual(naive(needles, text));
      }),
      { numRuns: 400 },
    );
  });

  it('finds needles in arbitrary binary data, at the very start and end', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 2, maxLength: 40 }), { minLength: 1, maxLength: 30 }), fc.uint8Array({ maxLength: 2000 }), (raw, data) => {
        const needles = raw.map((n) => Buffer.from(n));
        const text = Buffer.concat([needles[0] as Buffer, Buffer.from(data), needles[needles.length - 1] as Buffer]);
        expect(matched(needles, text)).toEqual(naive(needles, text));
      }),
      { numRuns: 200 },
    );
  });

  it('an empty set finds nothing; a 1-byte needle is refused', () => {
    expect(matched([], Buffer.from('anything'))).toEqual([]);
    expect(() => new MultiMatcher([Buffer.from('a')])).toThrow(RangeError);
  });
});

describe('needlesFor', () => {
  it('makes nothing for a value shorter than 8 characters (code points, not bytes)', () => {
    expect(needlesFor('1234567')).toEqual([]);
    expect(needlesFor('ééééééé')).toEqual([]);
    expect(needlesFor('12345678').length).toBeGreaterThan(0);
  });

  it('each base64 form is found inside the base64 of the value with any prefix and suffix', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 40 }), fc.uint8Array({ maxLength: 10 }), fc.uint8Array({ maxLength: 10 }), (value, before, after) => {
        const forms = needlesFor(value).filter((n) => n.encoding === 'base64');
        const blob = Buffer.concat([Buffer.from(before), Buffer.from(value), Buffer.from(after)]);
        for (const encoded of [blob.toString('base64'), blob.toString('base64url')]) {
          expect(forms.some((n) => encoded.includes(n.bytes.toString('latin1')))).toBe(true);
        }
      }),
    );
  });

  it("has the URL-encoded forms of a DSN: encodeURIComponent's, buildPostgresUrl's, lower-case hex, and the form encoding", () => {
    const forms = needlesFor("p@ss w'rd!").filter((n) => n.encoding === 'url-encoded').map((n) => n.bytes.toString('latin1'));
    expect(forms).toEqual(expect.arrayContaining(["p%40ss%20w'rd!", 'p%40ss%20w%27rd%21', 'p%40ss%20w%27rd%21'.toLowerCase(), 'p%40ss+w%27rd%21']));
  });
});
