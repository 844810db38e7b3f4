import { spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, startPostgres, type PgCluster } from '../../../../test/helpers/postgres.js';
import { requireTool } from '../../../../test/helpers/require.js';
import { isEnvkitError } from '../errors.js';
import { isScramSha256Verifier, scramSha256Verifier } from './scram.js';

function parse(verifier: string): { iterations: number; salt: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!match) throw new Error(`not a verifier: ${verifier}`);
  const [, iterations, salt, storedKey, serverKey] = match as unknown as [string, string, string, string, string];
  return {
    iterations: Number(iterations),
    salt: Buffer.from(salt, 'base64'),
    storedKey: Buffer.from(storedKey, 'base64'),
    serverKey: Buffer.from(serverKey, 'base64'),
  };
}

describe('scramSha256Verifier', () => {
  it('matches the RFC 7677 SCRAM-SHA-256 exchange for user/pencil', () => {
    // RFC 7677 section 3: the keys in our verifier must reproduce the client proof and server signature.
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const { storedKey, serverKey } = parse(scramSha256Verifier('pencil', { salt, iterations: 4096 }));
    const authMessage = [
      'n=user,r=rOprNGfwEbeRWgbNEkqO',
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    ].join(',');
    const serverSignature = createHmac('sha256', serverKey).update(authMessage).digest('base64');
    expect(serverSignature).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');

    const clientProof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(clientProof.map((byte, i) => byte ^ (clientSignature[i] ?? 0)));
    expect(createHash('sha256').update(clientKey).digest().equals(storedKey)).toBe(true);
  });

  it('defaults to 4096 iterations and a fresh 16-byte salt', () => {
    const a = scramSha256Verifier('correct horse battery staple');
    const b = scramSha256Verifier('correct horse battery staple');
    expect(parse(a).iterations).toBe(4096);
    expect(parse(a).salt).toHaveLength(16);
    expect(parse(a).storedKey).toHaveLength(32);
    expect(parse(a).serverKey).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(isScramSha256Verifier(a)).toBe(true);
  });

  it('is deterministic for a given salt and iteration count, and depends on both', () => {
    const salt = Buffer.alloc(16, 7);
    const v = scramSha256Verifier('x'.repeat(40), { salt, iterations: 10 });
    expect(v).toBe(scramSha256Verifier('x'.repeat(40), { salt, iterations: 10 }));
    expect(v).toMatch(/^SCRAM-SHA-256\$10:BwcHBwcHBwcHBwcHBwcHBw==\$/);
    expect(v).not.toBe(scramSha256Verifier('x'.repeat(40), { salt, iterations: 11 }));
    expect(v).not.toBe(scramSha256Verifier('x'.repeat(40), { salt: Buffer.alloc(16, 8), iterations: 10 }));
  });

  it.each([
    ['an empty password', ''],
    ['a non-ASCII password', 'pässwörd-1234567890'],
    ['a password with a fullwidth letter (NFKC would change it)', 'passwordＡ'],
    ['a password with NUL', 'pass\0word'],
  ])('refuses %s with USAGE, without echoing it', (_name, password) => {
    let caught: unknown;
    try {
      scramSha256Verifier(password);
    } catch (error) {
      caught = error;
    }
    expect(isEnvkitError(caught, 'USAGE')).toBe(true);
    if (password !== '') expect(String((caught as Error).message)).not.toContain(password);
  });

  it('refuses a non-positive iteration count and an empty salt', () => {
    expect(() => scramSha256Verifier('password1234', { iterations: 0 })).toThrow(/iterations/);
    expect(() => scramSha256Verifier('password1234', { iterations: 1.5 })).toThrow(/iterations/);
    expect(() => scramSha256Verifier('password1234', { salt: Buffer.alloc(0) })).toThrow(/salt/);
  });
});

describe('isScramSha256Verifier', () => {
  it('accepts only the verifier form', () => {
    expect(isScramSha256Verifier(scramSha256Verifier('abcd', { iterations: 1 }))).toBe(true);
    expect(isScramSha256Verifier('hunter2-but-long-enough-to-be-a-password')).toBe(false);
    expect(isScramSha256Verifier('md5' + 'a'.repeat(32))).toBe(false);
    const good = scramSha256Verifier('abcd');
    expect(isScramSha256Verifier(`${good}'`)).toBe(false);
    expect(isScramSha256Verifier(good.replace('4096', '0'))).toBe(false);
    expect(isScramSha256Verifier(good.slice(0, -2))).toBe(false);
  });
});

const withPostgres = requireTool('PostgreSQL (initdb)', hasPostgres(), 'apt-get install postgresql');

describe.runIf(withPostgres)('scramSha256Verifier against PostgreSQL', () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
  it.each([
    ['pencil', 'pencil'],
    ['every printable ASCII character', printable],
    ['quotes and a backslash', `it's a "quote" and a \\ backslash`],
    ['spaces at both ends', '  padded password  '],
    ['a 100-character password (longer than the HMAC block)', 'Ab1-'.repeat(25)],
  ])('equals the verifier PostgreSQL computes for %s', async (_name, password) => {
    // The server hashes a plaintext password itself (password_encryption = scram-sha-256); ours must
    // agree byte for byte when given the same salt and iteration count.
    const role = `scram_${Math.random().toString(36).slice(2)}`;
    await pg.createRole(role, password);
    const stored = (await pg.psql(`SELECT rolpassword FROM pg_authid WHERE rolname = '${role}'`)).trim();
    const { iterations, salt } = parse(stored);
    expect(scramSha256Verifier(password, { iterations, salt })).toBe(stored);
  });

  it('lets libpq (psql over TCP) log in with the password, and not with another', async () => {
    await pg.createRole('libpq_user', 'initial-password-1');
    const password = 'n3w-Passw0rd_for.libpq~check';
    await pg.psql(`ALTER ROLE libpq_user WITH PASSWORD '${scramSha256Verifier(password)}'`);
    const login = (pw: string): number | null =>
      spawnSync(pg.psqlPath, ['-X', '-w', '-h', pg.host, '-p', String(pg.port), '-U', 'libpq_user', '-d', 'postgres', '-c', 'SELECT 1'], {
        env: { PATH: process.env.PATH, PGPASSWORD: pw },
        stdio: 'ignore',
      }).status;
    expect(login(password)).toBe(0);
    expect(login('initial-password-1')).not.toBe(0);
    expect(login(`${password}x`)).not.toBe(0);
  });
});
