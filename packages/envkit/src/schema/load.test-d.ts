import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { EnvkitError } from '../errors.js';
import { defineSchema, variable, type InferEnv } from './define.js';
import { loadEnv, safeLoadEnv, validateValues, type EnvSource } from './load.js';
import { memuSchema, type MemuEnv } from './memu.js';

describe('MemuEnv', () => {
  it('types every variable by its zod output', () => {
    expectTypeOf<MemuEnv['POSTGRES_PASSWORD']>().toEqualTypeOf<string>();
    expectTypeOf<MemuEnv['MEMU_DB_URL']>().toEqualTypeOf<string>();
    expectTypeOf<MemuEnv['POSTGRES_DB']>().toEqualTypeOf<string>();
    expectTypeOf<MemuEnv['OPENAI_API_KEY']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<MemuEnv['OPENROUTER_API_KEY']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<MemuEnv['MEMU_MEMORY_LIMIT']>().toEqualTypeOf<string>();
  });

  it('has exactly the ten keys', () => {
    expectTypeOf<keyof MemuEnv>().toEqualTypeOf<
      | 'OPENAI_API_KEY'
      | 'OPENROUTER_API_KEY'
      | 'OPENROUTER_BASE_URL'
      | 'OLLAMA_API_BASE_URL'
      | 'POSTGRES_DB'
      | 'POSTGRES_USER'
      | 'POSTGRES_PASSWORD'
      | 'MEMU_DB_URL'
      | 'MEMU_MEMORY_LIMIT'
      | 'DB_MEMORY_LIMIT'
    >();
  });

  it('rejects a misspelled key', () => {
    const env = loadEnv(memuSchema, { path: '.env' });
    expectTypeOf(env).toEqualTypeOf<MemuEnv>();
    // @ts-expect-error POSTGRES_PASWORD is not a memu variable
    void env.POSTGRES_PASWORD;
    // @ts-expect-error OPENAI_KEY is not a memu variable
    type _Missing = MemuEnv['OPENAI_KEY'];
  });
});

describe('loadEnv / safeLoadEnv / validateValues', () => {
  const schema = defineSchema('app', {
    PORT: variable(z.coerce.number().int(), { description: 'port', default: '8000' }),
    DEBUG: variable(z.stringbool().optional(), { description: 'debug' }),
    MODE: variable(z.enum(['dev', 'prod']), { description: 'mode' }),
    NAME: variable(z.string().transform((s) => s.length), { description: 'name length' }),
  });

  it('returns the zod output of each variable', () => {
    const env = loadEnv(schema, { env: {} });
    expectTypeOf(env.PORT).toEqualTypeOf<number>();
    expectTypeOf(env.DEBUG).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(env.MODE).toEqualTypeOf<'dev' | 'prod'>();
    expectTypeOf(env.NAME).toEqualTypeOf<number>();
    expectTypeOf(env).toEqualTypeOf<InferEnv<typeof schema>>();
  });

  it('narrows safeLoadEnv on success', () => {
    const result = safeLoadEnv(schema, { text: 'PORT=1\n', file: 'x.env' });
    if (result.success) {
      expectTypeOf(result.data.PORT).toEqualTypeOf<number>();
    } else {
      expectTypeOf(result.error).toEqualTypeOf<EnvkitError>();
      // @ts-expect-error no data on failure
      void result.data;
    }
  });

  it('types validateValues data as the env or undefined', () => {
    const result = validateValues(schema, { PORT: '1' }, { defaults: false });
    expectTypeOf(result.data).toEqualTypeOf<InferEnv<typeof schema> | undefined>();
    expectTypeOf(result.ok).toEqualTypeOf<boolean>();
  });

  it('accepts exactly the three sources', () => {
    expectTypeOf<{ path: string }>().toExtend<EnvSource>();
    expectTypeOf<{ text: string }>().toExtend<EnvSource>();
    expectTypeOf<{ env: NodeJS.ProcessEnv }>().toExtend<EnvSource>();
    // @ts-expect-error a number is not a source
    loadEnv(schema, { path: 1 });
    // @ts-expect-error values must be strings
    validateValues(schema, { PORT: 8000 });
  });
});
