import { describe, expect, it } from 'vitest';
import { z } from 'zod/mini';
import { defineSchema, variable, type VarSpec } from './define.js';

describe('defineSchema', () => {
  it('refuses, naming the key, a variable a JavaScript schema declared without a description or a zod type', () => {
    const { description: _, ...undocumented } = variable(z.string(), { description: 'x' });
    expect(() => defineSchema('tiny', { GREETING: undocumented as unknown as VarSpec })).toThrow('schema tiny: GREETING has no description (a string: it documents GREETING in .env.example)');
    expect(() => defineSchema('tiny', { PORT: { description: 'the port' } as unknown as VarSpec })).toThrow('schema tiny: PORT is not declared with variable(zodType, options)');
    expect(defineSchema('tiny', { GREETING: variable(z.string(), { description: 'hello' }) }).vars.GREETING.description).toBe('hello');
  });
});
