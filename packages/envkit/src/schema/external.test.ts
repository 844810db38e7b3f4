import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSchema, variable } from './define.js';
import { externalGuard } from './external.js';
import { memuSchema } from './memu.js';

describe('externalGuard', () => {
  it('guards the memu login: password, role and database names; not the URL, the keys or the limits', () => {
    const guarded = Object.keys(memuSchema.vars).filter((key) => externalGuard(memuSchema, key) !== undefined);
    expect(guarded).toEqual(['POSTGRES_DB', 'POSTGRES_USER', 'POSTGRES_PASSWORD']);
  });

  it('inherits the guard of a derived value that lives elsewhere to each of its parts', () => {
    const schema = defineSchema('t', {
      HOST: variable(z.string(), { description: 'host' }),
      TOKEN: variable(z.string(), { description: 'token' }),
      NOTE: variable(z.string(), { description: 'unrelated' }),
      LOGIN: variable(z.string(), {
        description: 'derived',
        external: 'the login registered with the gateway',
        derive: { from: ['HOST', 'TOKEN'], compute: (v) => (v.HOST && v.TOKEN ? `${v.HOST}:${v.TOKEN}` : undefined) },
      }),
    });
    expect(externalGuard(schema, 'TOKEN')).toEqual({ where: 'the login registered with the gateway', via: 'LOGIN', hint: undefined });
    expect(externalGuard(schema, 'HOST')?.via).toBe('LOGIN');
    expect(externalGuard(schema, 'NOTE')).toBeUndefined();
    expect(externalGuard(schema, 'LOGIN')?.via).toBeUndefined();
  });
});
