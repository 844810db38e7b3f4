import { describe, expect, it } from 'vitest';
import { EnvkitError, isEnvkitError } from './errors.js';

describe('EnvkitError', () => {
  it('carries a stable code, hint and issues', () => {
    const error = new EnvkitError('FILE', '.env is a symlink', { hint: 'replace it', path: '/x/.env' });
    expect(isEnvkitError(error)).toBe(true);
    expect(isEnvkitError(error, 'FILE')).toBe(true);
    expect(isEnvkitError(error, 'BUSY')).toBe(false);
    expect(error.hint).toBe('replace it');
    expect(error.issues).toEqual([]);
    expect(isEnvkitError(new Error('x'))).toBe(false);
  });
});
