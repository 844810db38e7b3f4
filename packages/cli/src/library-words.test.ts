import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { COMMANDS, GLOBAL_OPTIONS } from './command-table.js';
import type { CommandDef } from './define-command.js';

// The library says what happened; the CLI says which of its commands and flags gets the user out (issue 14:
// "no library message names a CLI flag"). This scans the text the library can show (every string and
// template literal of packages/envkit/src, tests and comments aside) for `envkit <command>` and for the long
// flags of the command table.

const LIBRARY = fileURLToPath(new URL('../../envkit/src', import.meta.url));

/**
 * Text the library writes that names envkit on purpose, and why. Keyed by file, then by the start of the
 * literal; anything else that names a command or flag fails.
 */
const ALLOWED: Record<string, readonly string[]> = {
  // The pre-commit hook is a script that runs `envkit guard`: naming the command is its job.
  'guard/hook.ts': ['#!/bin/sh'],
};

function commandNames(commands: readonly CommandDef[]): string[] {
  return commands.map((c) => c.name);
}

function longFlags(commands: readonly CommandDef[]): string[] {
  const flags = new Set<string>();
  const add = (def: { flags: string }) => {
    for (const m of def.flags.matchAll(/--(?:no-)?([a-z][a-z-]*)/g)) flags.add(m[0]);
  };
  GLOBAL_OPTIONS.forEach(add);
  const walk = (list: readonly CommandDef[]) => {
    for (const c of list) {
      c.options?.forEach(add);
      walk(c.subcommands ?? []);
    }
  };
  walk(commands);
  flags.add('--help');
  return [...flags];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
const COMMAND = new RegExp(`\\benvkit (?:${commandNames(COMMANDS).map(escape).join('|')})\\b`);
// A flag as a word of its own: not `--force-recreate` (compose's), not inside another word.
const FLAG = new RegExp(`(?<![\\w-])(?:${longFlags(COMMANDS).map(escape).join('|')})(?![\\w-])`);
// A literal that is a flag and nothing else (or `--flag=value`) is an argument for another program's argv.
const ARGV_WORD = /^--[a-z][\w-]*(=.*)?$/;

/** The text of every string and template literal of `source` (template parts joined by `${…}`). */
function literals(file: string, source: string): { line: number; text: string }[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node) => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node)) text = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('${…}');
    if (text !== undefined) {
      // Module specifiers and type-level strings are not shown to anyone.
      const skip = ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent) || ts.isLiteralTypeNode(node.parent);
      if (!skip) found.push({ line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, text });
      if (!ts.isTemplateExpression(node)) return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Each literal of the library that names an envkit command or flag, as `file:line: text`. */
export function cliWordsInLibrary(dir = LIBRARY): string[] {
  const hits: string[] = [];
  for (const path of sources(dir)) {
    const file = relative(dir, path);
    for (const { line, text } of literals(path, readFileSync(path, 'utf8'))) {
      if (ARGV_WORD.test(text)) continue;
      if (!COMMAND.test(text) && !FLAG.test(text)) continue;
      if ((ALLOWED[file] ?? []).some((start) => text.startsWith(start))) continue;
      hits.push(`${file}:${line}: ${text}`);
    }
  }
  return hits;
}

describe('library messages name no CLI command or flag', () => {
  it('finds none in packages/envkit/src', () => {
    expect(cliWordsInLibrary()).toEqual([]);
  });

  it('catches a command or a flag in a message, and only there', () => {
    const probe = (source: string) => literals('probe.ts', source).filter(({ text }) => !ARGV_WORD.test(text) && (COMMAND.test(text) || FLAG.test(text)));
    expect(probe("throw new EnvkitError('FILE', 'x', { hint: 'run `envkit init` first' });")).toHaveLength(1);
    expect(probe('const hint = `then repeat with --force for ${key}`;')).toHaveLength(1);
    expect(probe("const fix = 'give it with --stdin';")).toHaveLength(1);
    // Comments, other tools' flags, argv words and prose about envkit itself are not CLI words.
    expect(probe("// run `envkit init` with --force\nconst a = ['up', '-d', '--force-recreate', s];")).toEqual([]);
    expect(probe("const a = ['inspect', '--format', '{{json .}}']; const m = 'envkit keeps its lock beside the env file';")).toEqual([]);
    expect(probe("const m = 'run `git rm --cached .env`';")).toEqual([]);
  });
});
