import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '../../../../test/helpers/testdir.js';
import { isEnvkitError } from '../errors.js';
import { resolveConnectionSecurity, tlsAttempts } from './tls.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function caFile(): string {
  const dir = testdir();
  const path = join(dir, 'ca.pem');
  writeFileSync(path, PEM);
  return path;
}

describe('resolveConnectionSecurity: the given setting, else the URL\'s, else the environment\'s, else prefer', () => {
  it('defaults to libpq\'s prefer with no CA file and SCRAM only', () => {
    expect(resolveConnectionSecurity({})).toEqual({ sslmode: 'prefer' });
  });

  it.each([
    [{ given: { sslmode: 'disable' }, url: { sslmode: 'require' }, env: { PGSSLMODE: 'allow' } }, 'disable'],
    [{ url: { sslmode: 'require' }, env: { PGSSLMODE: 'allow' } }, 'require'],
    [{ url: { sslmode: '' }, env: { PGSSLMODE: 'allow' } }, 'allow'],
    [{ env: { PGSSLMODE: 'allow' } }, 'allow'],
    [{ env: { PGSSLMODE: '' } }, 'prefer'],
  ] as const)('%j → %s', (sources, sslmode) => {
    expect(resolveConnectionSecurity(sources).sslmode).toBe(sslmode);
  });

  it('takes the CA file by the same precedence, relative paths from cwd; "system" stays as it is', () => {
    expect(resolveConnectionSecurity({ given: { sslmode: 'verify-ca', sslrootcert: '/given.pem' }, url: { sslrootcert: '/url.pem' } }).sslrootcert).toBe('/given.pem');
    expect(resolveConnectionSecurity({ url: { sslmode: 'verify-full', sslrootcert: 'certs/url.pem' }, env: { PGSSLROOTCERT: '/env.pem' }, cwd: '/srv/memu' }).sslrootcert).toBe('/srv/memu/certs/url.pem');
    expect(resolveConnectionSecurity({ env: { PGSSLMODE: 'verify-full', PGSSLROOTCERT: 'system' } }).sslrootcert).toBe('system');
    // A relative PGSSLROOTCERT is libpq's: from the process's directory, not the project's.
    expect(resolveConnectionSecurity({ env: { PGSSLMODE: 'verify-full', PGSSLROOTCERT: 'certs/env.pem' }, cwd: '/srv/memu' }).sslrootcert).toBe(join(process.cwd(), 'certs/env.pem'));
  });

  it('keeps the opt-in for cleartext and MD5 only when given (never from a URL or the environment)', () => {
    expect(resolveConnectionSecurity({ given: { allowInsecureAuth: true } })).toEqual({ sslmode: 'prefer', allowInsecureAuth: true });
    expect(resolveConnectionSecurity({ given: { allowInsecureAuth: false } })).toEqual({ sslmode: 'prefer' });
  });

  it('refuses an sslmode libpq does not know, naming where it came from', () => {
    for (const [sources, from] of [
      [{ url: { sslmode: 'verify' } }, 'sslmode in the database URL is "verify"'],
      [{ env: { PGSSLMODE: 'on' } }, 'PGSSLMODE is "on"'],
    ] as const) {
      let caught: unknown;
      try {
        resolveConnectionSecurity(sources);
      } catch (error) {
        caught = error;
      }
      expect(isEnvkitError(caught, 'USAGE') && caught.message).toBe(`${from}, which libpq does not know`);
    }
  });

  it('refuses verify-ca and verify-full without a CA file', () => {
    expect(() => resolveConnectionSecurity({ given: { sslmode: 'verify-full' } })).toThrow(/sslmode verify-full checks the server's certificate against a CA certificate, and none was given/);
  });
});

describe('tlsAttempts: sslmode → node-postgres ssl, in the order libpq tries', () => {
  it('disable: no TLS; prefer: TLS without checks, then none; allow: the reverse; require: TLS only', () => {
    expect(tlsAttempts({ sslmode: 'disable', sslrootcert: '/never/read.pem' })).toEqual([false]);
    expect(tlsAttempts({ sslmode: 'prefer' })).toEqual([{ rejectUnauthorized: false }, false]);
    expect(tlsAttempts({})).toEqual([{ rejectUnauthorized: false }, false]);
    expect(tlsAttempts({ sslmode: 'allow' })).toEqual([false, { rejectUnauthorized: false }]);
    expect(tlsAttempts({ sslmode: 'require' })).toEqual([{ rejectUnauthorized: false }]);
  });

  it('verify-ca checks the chain against the CA file and not the name; verify-full both', () => {
    const ca = caFile();
    const [verifyCa] = tlsAttempts({ sslmode: 'verify-ca', sslrootcert: ca });
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true, ca: PEM });
    expect(verifyCa && verifyCa.checkServerIdentity?.('other.example', {} as never)).toBeUndefined();
    const [verifyFull] = tlsAttempts({ sslmode: 'verify-full', sslrootcert: ca });
    expect(verifyFull).toEqual({ rejectUnauthorized: true, ca: PEM });
  });

  it('require with a CA file checks the chain, as libpq does (verify-ca); system uses Node\'s trust store', () => {
    const ca = caFile();
    expect(tlsAttempts({ sslmode: 'require', sslrootcert: ca })).toEqual([expect.objectContaining({ rejectUnauthorized: true, ca: PEM })]);
    expect(tlsAttempts({ sslmode: 'prefer', sslrootcert: ca })[1]).toBe(false);
    expect(tlsAttempts({ sslmode: 'verify-full', sslrootcert: 'system' })).toEqual([{ rejectUnauthorized: true }]);
  });

  it('names a CA file that is missing or holds no certificate', () => {
    const dir = testdir({ 'empty.pem': 'not a certificate' });
    expect(() => tlsAttempts({ sslmode: 'verify-full', sslrootcert: join(dir, 'missing.pem') })).toThrow(`cannot read the CA certificate file ${join(dir, 'missing.pem')} (ENOENT)`);
    expect(() => tlsAttempts({ sslmode: 'verify-full', sslrootcert: join(dir, 'empty.pem') })).toThrow(`the CA certificate file ${join(dir, 'empty.pem')} holds no PEM certificate`);
  });
});
