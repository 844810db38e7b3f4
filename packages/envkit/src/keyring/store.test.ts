import { describe, expect, it } from 'vitest';
import { isEnvkitError } from '../errors.js';
import { assertKeyName, serviceName } from './store.js';

describe('serviceName', () => {
  it('namespaces a project as envkit:<project>', () => {
    expect(serviceName('memu')).toBe('envkit:memu');
    expect(serviceName('my-app.prod_2')).toBe('envkit:my-app.prod_2');
  });

  it.each(['', ' memu', 'me mu', 'memu\n', '-memu', 'a:b', 'x'.repeat(101), 'mémù'])('refuses %j with USAGE', (bad) => {
    let thrown: unknown;
    try {
      serviceName(bad);
    } catch (error) {
      thrown = error;
    }
    expect(isEnvkitError(thrown, 'USAGE')).toBe(true);
  });
});

describe('assertKeyName', () => {
  it('accepts variable names', () => {
    expect(() => assertKeyName('POSTGRES_PASSWORD')).not.toThrow();
    expect(() => assertKeyName('_x1')).not.toThrow();
  });

  it.each(['', '1ABC', 'A-B', 'KEY@history', 'A B'])('refuses %j', (bad) => {
    expect(() => assertKeyName(bad)).toThrow(/invalid variable name/);
  });
});
