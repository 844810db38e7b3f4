import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderExample, exampleDrift } from 'envkit/project';
import { memuSchema } from 'envkit/memu';

describe('examples/memu/.env.example', () => {
  const committed = readFileSync(new URL('../examples/memu/.env.example', import.meta.url), 'utf8');

  it('is exactly what envkit generates from memuSchema (regenerate with `pnpm envkit example -C examples/memu`)', () => {
    expect(committed).toBe(renderExample(memuSchema));
    expect(exampleDrift(memuSchema, committed).inSync).toBe(true);
  });

  it('holds no secret value', () => {
    for (const [key, spec] of Object.entries(memuSchema.vars)) {
      if (spec.secret) expect(committed).toMatch(new RegExp(`^${key}=$`, 'm'));
    }
  });
});
