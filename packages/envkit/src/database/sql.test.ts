import { describe, expect, it } from 'vitest';
import { isEnvkitError } from '../errors.js';
import { scramSha256Verifier } from '../secrets/scram.js';
import { alterRolePasswordSql, quoteIdent, quoteLiteral } from './sql.js';

describe('quoteIdent', () => {
  it('wraps in double quotes and doubles embedded ones', () => {
    expect(quoteIdent('memu_production_user')).toBe('"memu_production_user"');
    expect(quoteIdent('memu-user')).toBe('"memu-user"');
    expect(quoteIdent('Mixed"Quote')).toBe('"Mixed""Quote"');
    expect(quoteIdent('"')).toBe('""""');
    expect(quoteIdent("it's; DROP TABLE x; --")).toBe('"it\'s; DROP TABLE x; --"');
  });

  it('refuses NUL, the empty name and names PostgreSQL would truncate', () => {
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
    expect(() => quoteIdent('')).toThrow(/empty/);
    expect(quoteIdent('r'.repeat(63))).toHaveLength(65);
    expect(() => quoteIdent('r'.repeat(64))).toThrow(/63-byte/);
    // Bytes, not characters: 32 two-byte letters are 64 bytes.
    expect(() => quoteIdent('é'.repeat(32))).toThrow(/63-byte/);
  });
});

describe('quoteLiteral', () => {
  it('doubles single quotes and uses E-syntax only when a backslash is present', () => {
    expect(quoteLiteral('plain')).toBe("'plain'");
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(quoteLiteral("\\'")).toBe("E'\\\\'''");
    expect(() => quoteLiteral('a\0')).toThrow(/NUL/);
  });
});

describe('alterRolePasswordSql', () => {
  it('sets a quoted role to the quoted verifier', () => {
    const verifier = scramSha256Verifier('password-for-sql-test');
    expect(alterRolePasswordSql('Mixed"Quote', verifier)).toBe(
      `ALTER ROLE "Mixed""Quote" WITH PASSWORD '${verifier}';`,
    );
  });

  it('refuses anything that is not a verifier, without echoing it', () => {
    const plaintext = 'this-is-a-plaintext-password';
    let caught: unknown;
    try {
      alterRolePasswordSql('memu', plaintext);
    } catch (error) {
      caught = error;
    }
    expect(isEnvkitError(caught, 'USAGE')).toBe(true);
    expect((caught as Error).message).not.toContain(plaintext);
    expect(() => alterRolePasswordSql('memu', `${scramSha256Verifier('abcd')}'; DROP ROLE x; --`)).toThrow(
      /verifier/,
    );
  });
});
