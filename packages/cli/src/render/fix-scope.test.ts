import { describe, expect, it } from 'vitest';
import { scopeCommands } from './fix-scope.js';

describe('scopeCommands', () => {
  it('gives a named command the file and schema options it reads, after its whole name', () => {
    const scope = { options: ' -f prod.env --schema ./schema.ts' };
    expect(scopeCommands('run `envkit keyring forget OPENAI_API_KEY --yes`', scope)).toBe('run `envkit keyring forget -f prod.env --schema ./schema.ts OPENAI_API_KEY --yes`');
    expect(scopeCommands('then `envkit guard install`', scope)).toBe('then `envkit guard install -f prod.env --schema ./schema.ts`');
    // An option the fix already names is not given twice.
    expect(scopeCommands('`envkit set -f other.env KEY=...`', scope)).toBe('`envkit set --schema ./schema.ts -f other.env KEY=...`');
  });

  it('leaves the options off the commands that do not read the env file', () => {
    const scope = { options: ' -f prod.env' };
    for (const text of ['`envkit schema`', '`envkit identity`', '`envkit recipients add --env prod`', '`envkit encrypt --env prod --from FILE`', '`envkit diff .env prod`']) {
      expect(scopeCommands(text, scope)).toBe(text);
    }
  });

  it('gives --env only to the commands that work on an encrypted environment', () => {
    const scope = { environment: 'prod', options: '' };
    expect(scopeCommands('`envkit rotate OPENAI_API_KEY`', scope)).toBe('`envkit rotate --env prod OPENAI_API_KEY`');
    expect(scopeCommands('`envkit check`', scope)).toBe('`envkit check --env prod`');
    // init and the keyring work only on the plaintext file (they refuse --env): a fix naming them stays as it is.
    expect(scopeCommands('`envkit init`, then `envkit keyring status`', scope)).toBe('`envkit init`, then `envkit keyring status`');
  });

  it('does not give -f to a command that names an encrypted environment itself', () => {
    // envkit diff -f x.env a b: the fix for a missing environment names `--env a`; its env file is not x.env.
    expect(scopeCommands('`envkit set --env a KEY=VALUE`', { options: ' -f x.env' })).toBe('`envkit set --env a KEY=VALUE`');
    expect(scopeCommands('`envkit set --env a KEY=VALUE`', { options: ' -f x.env --schema s.ts' })).toBe('`envkit set --schema s.ts --env a KEY=VALUE`');
  });
});
