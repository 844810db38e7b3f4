import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixScope, scopeCommands } from './fix-scope.js';

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

  it('gives --schema to every command that loads the schema, -f only to those that read the env file', () => {
    const scope = { options: ' -f prod.env --schema ./schema.ts' };
    // `envkit schema` under the memu schema would list other variables; edit and encrypt would validate against it.
    expect(scopeCommands('see `envkit schema`', scope)).toBe('see `envkit schema --schema ./schema.ts`');
    expect(scopeCommands('`envkit edit --env prod`', scope)).toBe('`envkit edit --schema ./schema.ts --env prod`');
    expect(scopeCommands('`envkit recipients remove --env prod NAME`', scope)).toBe('`envkit recipients remove --schema ./schema.ts --env prod NAME`');
    // gitignore and decrypt read the env file's name, never the schema.
    expect(scopeCommands('`envkit gitignore`', scope)).toBe('`envkit gitignore -f prod.env`');
    expect(scopeCommands('`envkit recipients list --env prod`, `envkit identity`', scope)).toBe('`envkit recipients list --env prod`, `envkit identity`');
  });

  it('gives --env only to the commands that work on an encrypted environment', () => {
    const scope = { environment: 'prod', options: '' };
    expect(scopeCommands('`envkit rotate OPENAI_API_KEY`', scope)).toBe('`envkit rotate --env prod OPENAI_API_KEY`');
    expect(scopeCommands('`envkit check`', scope)).toBe('`envkit check --env prod`');
    // The recipients of an environment: without --env they refuse (USAGE).
    expect(scopeCommands('see `envkit recipients list`', scope)).toBe('see `envkit recipients list --env prod`');
    // init and the keyring work only on the plaintext file (they refuse --env): a fix naming them stays as it is.
    expect(scopeCommands('`envkit init`, then `envkit keyring status`', scope)).toBe('`envkit init`, then `envkit keyring status`');
  });

  it('does not give -f to a command that names an encrypted environment itself', () => {
    // envkit diff -f x.env a b: the fix for a missing environment names `--env a`; its env file is not x.env.
    expect(scopeCommands('`envkit set --env a KEY=VALUE`', { options: ' -f x.env' })).toBe('`envkit set --env a KEY=VALUE`');
    expect(scopeCommands('`envkit set --env a KEY=VALUE`', { options: ' -f x.env --schema s.ts' })).toBe('`envkit set --schema s.ts --env a KEY=VALUE`');
  });

  it('gives --identity (as given) to the commands that decrypt an environment, and to diff; not to the others', () => {
    const scope = fixScope({ environment: 'prod', envFile: '.env', givenIdentities: ['/etc/memu/age.key'] });
    expect(scopeCommands('`envkit decrypt --env prod --force`', scope)).toBe('`envkit decrypt --identity /etc/memu/age.key --env prod --force`');
    expect(scopeCommands('`envkit diff .env prod`', scope)).toBe('`envkit diff --identity /etc/memu/age.key .env prod`');
    expect(scopeCommands('`envkit check`', scope)).toBe('`envkit check --env prod --identity /etc/memu/age.key`');
    expect(scopeCommands('`envkit identity`, `envkit init`, `envkit schema`', scope)).toBe('`envkit identity`, `envkit init`, `envkit schema`');
    // A fix that names --identity itself keeps its own.
    expect(scopeCommands('`envkit get --identity k X`', scope)).toBe('`envkit get --env prod --identity k X`');
    // -C elsewhere: a relative key file is named from the project directory, as --schema is.
    const start = mkdtempSync(join(tmpdir(), 'envkit-fix-scope-'));
    mkdirSync(join(start, 'memu'));
    try {
      const moved = fixScope({ envFile: '.env', givenIdentities: ['keys/host.key', '/etc/memu/age.key'], cwd: join(start, 'memu'), io: { cwd: start } });
      expect(moved.options).toBe(' --identity ../keys/host.key --identity /etc/memu/age.key');
    } finally {
      rmSync(start, { recursive: true });
    }
  });
});
