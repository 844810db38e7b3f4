// The README's command table names every command `envkit --help` lists.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envkit } from './helpers/cli.js';
import { testdir } from './helpers/testdir.js';

describe('README', () => {
  it('lists every command of `envkit --help` in its command table', async () => {
    const help = await envkit(testdir(), ['--help']);
    const commands = [...help.stdout.slice(help.stdout.indexOf('Commands:')).matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['init', 'backup', 'restore', 'keyring', 'rotate', 'check']));
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.split('\n').filter((line) => line.startsWith('| `envkit '));
    const missing = commands.filter((c) => !table.some((row) => new RegExp(`\`(envkit )?${c}\\b`).test(row) || row.includes(` ${c} `) || row.includes(`/ \`${c}`)));
    expect(missing).toEqual([]);
  });
});
