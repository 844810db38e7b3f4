import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { buildPostgresUrl, createMemuDbUrlDerive, memuDbUrlDerive, parsePostgresUrl, postgresUrlParameters } from './derive.js';
import { generatePassword } from './password.js';
import { requireTool } from '../../../../test/helpers/require.js';


const PYTHON = '/usr/bin/python3';
const hasSqlalchemy = spawnSync(PYTHON, ['-c', 'import sqlalchemy'], { stdio: 'ignore' }).status === 0;

/** What SQLAlchemy's make_url reads from each URL; the URLs go in on stdin, never in argv. */
function makeUrl(urls: string[]): Array<Record<string, unknown>> {
  const script = [
    'import json, sys',
    'from sqlalchemy.engine import make_url',
    'out = []',
    'for s in json.load(sys.stdin):',
    '    u = make_url(s)',
    '    out.append(dict(driver=u.drivername, user=u.username, password=u.password, host=u.host, port=u.port, database=u.database))',
    'json.dump(out, sys.stdout)',
  ].join('\n');
  const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(urls), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`make_url failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Array<Record<string, unknown>>;
}

const NASTY = [
  'p@ss',
  'a:b',
  'sl/ash',
  'per%cent',
  '%41',
  'hash#tag',
  'q?x=1',
  'with space',
  'br[ack]ets',
  'plus+sign',
  "!'()*~.-_",
  'ünïcødé-密码-😀',
  '@:/?#[]%  +&=;,$',
  'ends-with-%',
  'tab\there',
];

function validationError(fn: () => unknown): EnvkitError | undefined {
  try {
    fn();
  } catch (error) {
    if (isEnvkitError(error, 'VALIDATION')) return error;
    throw error;
  }
  return undefined;
}

describe('buildPostgresUrl', () => {
  it('builds the memu form with defaults', () => {
    expect(buildPostgresUrl({ user: 'memu_production_user', password: 'abc_DEF-123', database: 'memu_db' })).toBe(
      'postgresql+psycopg://memu_production_user:abc_DEF-123@db:5432/memu_db',
    );
  });

  it('percent-encodes everything outside the unreserved set in user and password', () => {
    expect(buildPostgresUrl({ user: 'u@x', password: '@:/?#[]% +', database: 'd' })).toBe(
      'postgresql+psycopg://u%40x:%40%3A%2F%3F%23%5B%5D%25%20%2B@db:5432/d',
    );
    expect(buildPostgresUrl({ user: 'u', password: "!'()*", database: 'd' })).toContain(':%21%27%28%29%2A@');
  });

  it('leaves a generated password as it is: no %, nothing to encode', () => {
    for (let i = 0; i < 500; i++) {
      const password = generatePassword();
      const url = buildPostgresUrl({ user: 'memu', password, database: 'memu_db' });
      expect(url).toBe(`postgresql+psycopg://memu:${password}@db:5432/memu_db`);
      expect(url).not.toContain('%');
    }
  });

  it('brackets an IPv6 host and keeps scheme and port', () => {
    expect(buildPostgresUrl({ scheme: 'postgresql', user: 'u', password: 'p', host: '::1', port: 6543, database: 'd' })).toBe(
      'postgresql://u:p@[::1]:6543/d',
    );
    expect(buildPostgresUrl({ user: 'u', password: 'p', host: '[fe80::1]', database: 'd' })).toBe('postgresql+psycopg://u:p@[fe80::1]:5432/d');
  });

  it('refuses what cannot be written', () => {
    const usage = (parts: Parameters<typeof buildPostgresUrl>[0]) => {
      try {
        buildPostgresUrl(parts);
      } catch (error) {
        return isEnvkitError(error, 'USAGE');
      }
      return false;
    };
    expect(usage({ user: '', password: 'p', database: 'd' })).toBe(true);
    expect(usage({ user: 'u', password: 'p', database: '' })).toBe(true);
    expect(usage({ user: 'u', password: 'p', database: 'a?b' })).toBe(true);
    expect(usage({ user: 'u', password: 'p', database: 'd', port: 0 })).toBe(true);
    expect(usage({ user: 'u', password: 'p', database: 'd', port: 70000 })).toBe(true);
    expect(usage({ user: 'u', password: 'p', database: 'd', host: 'a/b' })).toBe(true);
    expect(usage({ user: 'u', password: 'p', database: 'd', host: '' })).toBe(true);
    expect(usage({ user: 'u', password: 'p', database: 'd', scheme: 'post gres' })).toBe(true);
    expect(usage({ user: 'u', password: '\ud800', database: 'd' })).toBe(true);
  });
});

describe('parsePostgresUrl', () => {
  it('round-trips build → parse for nasty users and passwords', () => {
    for (const password of NASTY) {
      for (const user of ['memu', password]) {
        const parts = { scheme: 'postgresql+psycopg', user, password, host: 'db', port: 5432, database: 'memu_db' };
        expect(parsePostgresUrl(buildPostgresUrl(parts))).toEqual(parts);
      }
    }
  });

  it('reads the database name literally, like make_url', () => {
    expect(parsePostgresUrl('postgresql://u:p@h/my%20db').database).toBe('my%20db');
  });

  it('defaults the port to 5432 and ignores a query string', () => {
    expect(parsePostgresUrl('postgresql://u:p@h/d?sslmode=require')).toEqual({
      scheme: 'postgresql',
      user: 'u',
      password: 'p',
      host: 'h',
      port: 5432,
      database: 'd',
    });
  });

  it('gives the query parameters libpq reads (sslmode, sslrootcert), decoded', () => {
    expect(postgresUrlParameters('postgresql+psycopg://u:p@h/d?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem')).toEqual({ sslmode: 'verify-full', sslrootcert: '/etc/ca.pem' });
    expect(postgresUrlParameters('postgresql://u:p@h/d')).toEqual({});
  });

  it('reads a raw "?" in the password as SQLAlchemy does (password runs to the @)', () => {
    expect(parsePostgresUrl('postgresql://u:p?x@h:1/d').password).toBe('p?x');
  });

  it('rejects broken URLs with VALIDATION and never echoes them', () => {
    const secret = 'Sup3rSecretPassw0rd';
    const cases = [
      `mysql://u:${secret}@h/d`,
      `postgresql://u:${secret}@h:99999/d`,
      `postgresql://u:${secret}@h:5432`,
      `postgresql://u:${secret}@:5432/d`,
      `postgresql://:${secret}@h/d`,
      `postgresql://u@h/d`,
      `postgresql://u:${secret}%zz@h/d`,
      `postgresql://u:${secret}%ff@h/d`,
      `postgresql://u:${secret}@h/d\nx`,
      `not a url ${secret}`,
      `postgresql://u:${secret}@h:port/d`,
    ];
    for (const url of cases) {
      const error = validationError(() => parsePostgresUrl(url));
      expect(error, url).toBeDefined();
      expect(`${error!.message} ${error!.hint ?? ''}`).not.toContain(secret);
    }
  });
});

describe('memuDbUrlDerive', () => {
  const parts = { POSTGRES_USER: 'memu_production_user', POSTGRES_PASSWORD: 'pw_ABC-123', POSTGRES_DB: 'memu_db' };

  it('derives from the three POSTGRES_* variables', () => {
    expect(memuDbUrlDerive.from).toEqual(['POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB']);
    expect(memuDbUrlDerive.compute(parts, undefined)).toBe('postgresql+psycopg://memu_production_user:pw_ABC-123@db:5432/memu_db');
  });

  it('keeps scheme, host, port and query of a current URL that parses', () => {
    expect(memuDbUrlDerive.compute(parts, 'postgresql://old:old@10.0.0.5:6543/old?sslmode=require')).toBe(
      'postgresql://memu_production_user:pw_ABC-123@10.0.0.5:6543/memu_db?sslmode=require',
    );
  });

  it('falls back to db:5432 (or the given defaults) when the current value is not a URL', () => {
    expect(memuDbUrlDerive.compute(parts, 'garbage')).toBe('postgresql+psycopg://memu_production_user:pw_ABC-123@db:5432/memu_db');
    expect(createMemuDbUrlDerive({ host: 'postgres', port: 5433 }).compute(parts, undefined)).toBe(
      'postgresql+psycopg://memu_production_user:pw_ABC-123@postgres:5433/memu_db',
    );
  });

  it('returns undefined while a part is missing', () => {
    expect(memuDbUrlDerive.compute({ POSTGRES_USER: 'u', POSTGRES_DB: 'd' }, undefined)).toBeUndefined();
  });

  it('check names the parts that differ, never a value', () => {
    const check = memuDbUrlDerive.check!;
    const url = memuDbUrlDerive.compute(parts, undefined)!;
    expect(check(url, parts)).toBeUndefined();
    expect(check(url.replace('pw_ABC-123', 'other-password'), parts)).toBe('password does not match POSTGRES_PASSWORD');
    expect(check(url.replace('memu_db', 'x'), parts)).toBe('database does not match POSTGRES_DB');
    const both = check('postgresql+psycopg://someone:else@db:5432/memu_db', parts);
    expect(both).toBe('user and password do not match POSTGRES_USER and POSTGRES_PASSWORD');
    expect(both).not.toContain('else');
    const bad = check('postgresql+psycopg://u:topsecret@db:notaport/memu_db', parts);
    expect(bad).toMatch(/^is not a valid PostgreSQL URL/);
    expect(bad).not.toContain('topsecret');
    // With a part missing there is nothing to compare.
    expect(check(url, { POSTGRES_USER: 'memu_production_user' })).toBeUndefined();
  });
});

describe.runIf(requireTool('python3-sqlalchemy', hasSqlalchemy, 'apt-get install -y python3-sqlalchemy'))(
  'SQLAlchemy make_url reads what buildPostgresUrl writes',
  () => {
    it('round-trips user, password, host, port and database for nasty values', () => {
      const cases = NASTY.flatMap((text) => [
        { user: 'memu_production_user', password: text, host: 'db', port: 5432, database: 'memu_db' },
        { user: text, password: 'x', host: '10.1.2.3', port: 6543, database: 'memu_db' },
      ]);
      cases.push({ user: 'u', password: 'p@:/', host: '::1', port: 5433, database: 'db with space & ünï' });
      const read = makeUrl(cases.map((c) => buildPostgresUrl(c)));
      expect(read).toEqual(cases.map((c) => ({ driver: 'postgresql+psycopg', ...c })));
    });

    it('agrees with parsePostgresUrl on every case', () => {
      const urls = NASTY.map((p) => buildPostgresUrl({ user: p, password: p, host: 'db', database: 'memu_db' }));
      urls.push('postgresql://u:p?x@h:1/d', 'postgresql://u:p@h/d?sslmode=require', 'postgresql://u:p@h/my%20db');
      const read = makeUrl(urls);
      urls.forEach((url, i) => {
        const { scheme, ...ours } = parsePostgresUrl(url);
        const { driver, ...theirs } = read[i]!;
        // make_url leaves an absent port as None; the driver then uses 5432, which parse reports.
        expect({ scheme, ...ours }).toEqual({ scheme: driver, ...theirs, port: theirs.port ?? 5432 });
      });
    });

    it('shows why the database name is not encoded: make_url does not decode it', () => {
      const [read] = makeUrl(['postgresql://u:p@h/my%20db']);
      expect(read!.database).toBe('my%20db');
    });

    it('needs no decoding for a generated password', () => {
      const passwords = Array.from({ length: 200 }, () => generatePassword());
      const read = makeUrl(passwords.map((password) => `postgresql+psycopg://memu:${password}@db:5432/memu_db`));
      expect(read.map((r) => r.password)).toEqual(passwords);
    });
  },
);
