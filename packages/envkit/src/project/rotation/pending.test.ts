import { lstatSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '../../../../../test/helpers/testdir.js';
import { EnvkitError } from '../../errors.js';
import { parsePending, readPending, removePending, serializePending, writePending, type PendingRotation } from './pending.js';

const SECRET = 'Pending-Secret-Value-0123456789abcdef';
const sample: PendingRotation = {
  version: 1,
  key: 'POSTGRES_PASSWORD',
  value: SECRET,
  created: '2026-01-02T03:04:05.000Z',
  apply: 'compose',
  step: 'created',
};

function refusal(text: string): EnvkitError {
  try {
    parsePending(text, '/p/.env.envkit-pending');
  } catch (error) {
    if (error instanceof EnvkitError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('pending file', () => {
  it('round-trips through its text', () => {
    expect(parsePending(serializePending(sample), 'x')).toEqual(sample);
  });

  it('round-trips the direct connection security a resumed run reuses, and refuses a bad one', () => {
    const via = { dbHost: '127.0.0.1', dbPort: 5432, dbSslMode: 'verify-full', dbSslRootCert: '/etc/ssl/pg-ca.pem', dbAllowInsecureAuth: true } as const;
    expect(parsePending(serializePending({ ...sample, apply: 'direct', via }), 'x').via).toEqual(via);
    for (const bad of [{ dbSslMode: 'verify' }, { dbSslRootCert: '' }, { dbAllowInsecureAuth: false }, { dbAllowInsecureAuth: 'yes' }]) {
      expect(refusal(JSON.stringify({ ...sample, via: bad })).message).toMatch(/"via" is not a set of rotation settings/);
    }
  });

  it('is written with mode 0600, read back, and removed', () => {
    const dir = testdir({ 'stale.envkit-tmp-x': 'not ours' });
    const path = join(dir, '.env.envkit-pending');
    writeFileSync(`${path}.envkit-tmp-abc123`, SECRET);
    expect(readPending(path)).toBeUndefined();
    writePending(path, sample);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    expect(readPending(path)).toEqual(sample);
    // A killed earlier write's temp (it holds a secret) is cleaned; unrelated files stay.
    expect(readdirSync(dir).sort()).toEqual(['.env.envkit-pending', 'stale.envkit-tmp-x']);
    expect(removePending(path)).toBe(true);
    expect(removePending(path)).toBe(false);
    expect(readPending(path)).toBeUndefined();
  });

  it('refuses a symlink instead of following it', () => {
    const dir = testdir({ target: serializePending(sample) });
    const path = join(dir, '.env.envkit-pending');
    symlinkSync(join(dir, 'target'), path);
    expect(() => readPending(path)).toThrow(/symlink/);
    expect(() => writePending(path, sample)).toThrow(/symlink/);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe(serializePending(sample));
  });

  it.each([
    ['not JSON', `{"value": "${SECRET}"`, /not valid JSON/],
    ['an array', `["${SECRET}"]`, /not a JSON object/],
    ['another version', JSON.stringify({ ...sample, version: 2 }), /unknown format version/],
    ['a bad key', JSON.stringify({ ...sample, key: 'A B' }), /"key"/],
    ['no value', JSON.stringify({ ...sample, value: '' }), /"value"/],
    ['a bad date', JSON.stringify({ ...sample, created: 'yesterday' }), /"created"/],
    ['a bad mode', JSON.stringify({ ...sample, apply: 'ssh' }), /"apply"/],
    ['a bad step', JSON.stringify({ ...sample, step: 'done' }), /"step"/],
  ])('refuses %s without quoting it', (_, text, pattern) => {
    const error = refusal(text);
    expect(error.code).toBe('ROTATION');
    expect(error.message).toMatch(pattern);
    expect(error.hint).toMatch(/do not delete it blindly/);
    expect(`${error.message}${error.hint}`).not.toContain(SECRET);
  });
});
