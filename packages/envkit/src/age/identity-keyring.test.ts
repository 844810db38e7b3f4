// The identity kept in the OS keyring is checked as an identity file's are: a damaged one is refused by
// envkit's own words, never by a decoder's error that quotes it.
import { describe, expect, it, vi } from 'vitest';
import { testdir } from '../../../../test/helpers/testdir.js';
import { rejected } from '../../../../test/helpers/errors.js';
import { loadIdentities } from './identity-store.js';

// An X25519 identity in form whose checksum fails.
const DAMAGED = 'AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEZ';
const stored = vi.hoisted(() => ({ value: '' }));
vi.mock('../keyring/os-store.js', () => ({
  openOsStore: async () => ({ backend: 'test', get: async () => stored.value, set: async () => undefined, close: async () => undefined }),
}));

describe('the identity in the OS keyring', () => {
  it('is refused when it is not a valid X25519 identity, without being quoted', async () => {
    const env = { HOME: testdir() };
    for (const value of [DAMAGED, `${DAMAGED.slice(0, -1)}x`, 'age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq', 'AGE-SECRET-KEY-PQ-1QQQQ']) {
      stored.value = value;
      const error = await rejected(loadIdentities({ env, keyring: 'required' }));
      expect(error).toMatchObject({ code: 'CRYPTO' });
      expect(error.message).toMatch(/^the OS keyring's identity \(test\): /);
      expect(String(error.stack)).not.toContain(value.slice(16, 40));
    }
  });
});
