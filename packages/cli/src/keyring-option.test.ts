import { EnvkitError } from 'envkit';
import { describe, expect, it } from 'vitest';
import type { Context } from './context.js';
import { copyMissed, keyringFailureJson, keyringWarning } from './keyring-option.js';

const ctx = { style: { yellow: (text: string) => text }, envFile: '.env' } as unknown as Context;

describe('keyringWarning', () => {
  it('says the secrets are only in the env file when the keyring took none of them', () => {
    const error = new EnvkitError('KEYRING', 'OS keyring unavailable: the keyring is locked', { hint: 'unlock it; or do without the keyring', reason: 'keyring-unusable', data: { problem: 'locked', repair: 'unlock it' } });
    expect(keyringWarning(ctx, error)).toBe('warning: OS keyring unavailable: the keyring is locked; the secrets are only in .env (fix: unlock it; or run with --no-keyring to do without the keyring)');
  });

  it('says the other secrets are, when some were stored before the keyring failed', () => {
    const error = new EnvkitError('KEYRING', 'OS keyring failed writing POSTGRES_PASSWORD (envkit:p): the Secret Service went away; OPENAI_API_KEY was stored before that', {
      hint: 'start it again; or do without the keyring',
      reason: 'keyring-unusable',
      data: { problem: 'service-died', repair: 'start it again', storedBefore: ['OPENAI_API_KEY'] },
    });
    expect(keyringWarning(ctx, error)).toMatch(/; OPENAI_API_KEY was stored before that; the other secrets are only in \.env \(fix: start it again; or run with --no-keyring to do without the keyring\)$/);
  });

  it('after --keyring failed: the env file was written, and the keyring copy (or of the other secrets) was not', () => {
    const none = new EnvkitError('KEYRING', 'x', { reason: 'keyring-unusable', data: { repair: 'r' } });
    const some = new EnvkitError('KEYRING', 'x', { reason: 'keyring-unusable', data: { repair: 'r', storedBefore: ['OPENAI_API_KEY'] } });
    expect(copyMissed(ctx, none)).toBe('.env was written, the keyring copy was not: run `envkit backup` once the keyring works');
    expect(copyMissed(ctx, some)).toBe('.env was written, the keyring copy of the other secrets was not: run `envkit backup` once the keyring works');
  });

  it('after a failed removal (set to empty, unset): the keyring still holds them, and a backup alone would not remove them', () => {
    const held = new EnvkitError('KEYRING', 'x', { reason: 'keyring-unusable', data: { repair: 'r', removedBefore: ['OPENAI_API_KEY'], notRemoved: ['OPENROUTER_API_KEY', 'MEMU_API_KEY'] } });
    expect(copyMissed(ctx, held)).toBe(
      '.env was written, the keyring still holds OPENROUTER_API_KEY and MEMU_API_KEY: run `envkit keyring forget OPENROUTER_API_KEY MEMU_API_KEY --yes` and `envkit backup` once the keyring works',
    );
  });

  it('names the env file and the directory the copy belongs to: the project id comes from both', () => {
    const error = new EnvkitError('KEYRING', 'x', { reason: 'keyring-unusable', data: { repair: 'r', notRemoved: ['OPENAI_API_KEY'] } });
    const other = { ...ctx, envFile: 'prod env', environment: undefined, schemaPath: undefined, cwd: process.cwd(), io: { cwd: process.cwd() } } as unknown as Context;
    expect(copyMissed(other, error)).toBe(
      "prod env was written, the keyring still holds OPENAI_API_KEY: run `envkit keyring forget -f 'prod env' OPENAI_API_KEY --yes` and `envkit backup -f 'prod env'` once the keyring works",
    );
    const elsewhere = { ...ctx, envFile: '.env', cwd: '/', io: { cwd: process.cwd() } } as unknown as Context;
    expect(copyMissed(elsewhere, new EnvkitError('KEYRING', 'x', { data: {} }))).toBe('.env was written, the keyring copy was not: run `envkit backup` in / once the keyring works');
  });
});

describe('keyringFailureJson', () => {
  it('carries the keys done before the failure, and those not removed, as the error data has them', () => {
    const error = new EnvkitError('KEYRING', 'failed; OPENAI_API_KEY was stored before that', {
      reason: 'keyring-unusable',
      data: { problem: 'service-died', repair: 'start it again', storedBefore: ['OPENAI_API_KEY'], notRemoved: ['OPENROUTER_API_KEY'] },
    });
    expect(keyringFailureJson('failed', error)).toEqual({
      status: 'failed',
      message: 'failed; OPENAI_API_KEY was stored before that',
      hint: 'start it again; or run with --no-keyring to do without the keyring',
      storedBefore: ['OPENAI_API_KEY'],
      notRemoved: ['OPENROUTER_API_KEY'],
    });
    const plain = new EnvkitError('KEYRING', 'OS keyring unavailable: locked', { reason: 'keyring-unusable', data: { problem: 'locked', repair: 'unlock it' } });
    expect(Object.keys(keyringFailureJson('unavailable', plain))).toEqual(['status', 'message', 'hint']);
  });
});
