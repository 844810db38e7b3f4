import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generatePassword } from '../secrets/password.js';
import { variable } from './define.js';
import { GENERIC_PLACEHOLDERS, placeholderReason } from './placeholders.js';
import fc from 'fast-check';

const plain = variable(z.string(), { description: 'plain' });
const key = variable(z.string(), {
  description: 'an API key',
  secret: true,
  example: 'sk-...',
  placeholders: ['sk-my-very-own-placeholder'],
});

describe('placeholderReason', () => {
  it.each([
    ['your-strong-password-here', 'your-...-here'],
    ['YOUR_API_KEY_HERE', 'your-...-here'],
    ['sk-your-actual-key-here', 'your-...-here'],
    ['sk-or-v1-your-key-here', 'your-...-here'],
    ['your-api-key', 'your-...'],
    ['your_password', 'your-...'],
    ['changeme', 'changeme'],
    ['change-me', 'changeme'],
    ['Change_Me', 'changeme'],
    ['replace-me', 'replace-me'],
    ['replaceme', 'replace-me'],
    ['xxx', 'xxx...'],
    ['sk-xxxxxxxxxxxx', 'xxx...'],
    ['<your key>', '<...>'],
    ['<password>', '<...>'],
    ['sk-or-...', '...'],
    ['…', '...'],
    ['********', '***'],
    ['placeholder', 'placeholder'],
    ['EXAMPLE', 'example'],
    ['todo', 'todo'],
    ['TBD', 'todo'],
  ])('recognises %s as %s', (value, name) => {
    expect(placeholderReason(value, plain)).toBe(`looks like a placeholder (${name})`);
  });

  it("names the variable's own example and placeholders without repeating them", () => {
    expect(placeholderReason('sk-...', key)).toBe('is the placeholder from .env.example');
    const reason = placeholderReason('sk-my-very-own-placeholder', key);
    expect(reason).toBeDefined();
    expect(reason).not.toContain('sk-my-very-own-placeholder');
  });

  it('never repeats the value in a generic reason', () => {
    // The reason names the shape: "your-...-here", not the text that matched it.
    expect(placeholderReason('your-secret-token-here', plain)).not.toContain('secret-token');
  });

  it.each([
    'sk-proj-Abc123Def456Ghi789',
    'memu_production_user',
    'memu_db',
    'https://openrouter.ai/api/v1',
    'http://192.168.25.165:11434/api',
    '2g',
    'xx',
    'my-example-value',
    'exampled',
    'yourself',
    'todos',
    'a<b>',
  ])('leaves the real value %s alone', (value) => {
    expect(placeholderReason(value, plain)).toBeUndefined();
  });

  it('does not flag the default', () => {
    const weird = variable(z.string(), { description: 'x', default: 'changeme' });
    expect(placeholderReason('changeme', weird)).toBeUndefined();
  });

  it('does not flag generated passwords (whole-value patterns only)', () => {
    for (let i = 0; i < 20_000; i++) {
      const p = generatePassword();
      expect(placeholderReason(p, key), 'a generated password was taken for a placeholder').toBeUndefined();
    }
  });
});

describe('placeholderReason needles', () => {
  // The needles only skip regexes that cannot match: every value gets the reason it would get if
  // each pattern were tried. Values are built from the patterns' own pieces, in any case, with the
  // non-ASCII letters whose case mappings reach ASCII (ſ → S, K → k, İ → i̇).
  const piece = fc.constantFrom(
    'your', 'YOUR', 'Your', 'here', 'HERE', 'change', 'CHANGE', 'me', 'it', 'this', 'replace', 'x', 'X', 'xxx',
    '<', '>', '.', '...', '…', '*', '***', 'placeholder', 'PlaceHolder', 'example', 'todo', 'TBD', 'fixme',
    '-', '_', ' ', 'sk', 'api', 'key', 'KEY', 'token', 'pass', 'db', 'ſ', 'K', 'İ', 'a', '7',
  );
  it('match exactly what the patterns alone match', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const value = pieces.join('');
        const direct = GENERIC_PLACEHOLDERS.find((p) => p.test.test(value.trim()));
        const expected = direct === undefined ? undefined : `looks like a placeholder (${direct.name})`;
        expect(placeholderReason(value, plain)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
  });
});
