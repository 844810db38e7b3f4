// What each entry point of package.json "exports" loads when it is imported: the modules its static imports
// reach, as TypeScript emits them (under verbatimModuleSyntax `import { type X }` stays an import), and the
// packages among them. The optional peer dependencies load on first use only (import() where needed).
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { import: string }>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

/** The entry points and the source file each one's dist file is built from. */
const entries = Object.entries(manifest.exports)
  .filter((entry): entry is [string, { import: string }] => typeof entry[1] === 'object')
  .map(([subpath, target]) => [join('envkit', subpath), join(pkgDir, target.import.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'))] as const);

/** The module specifiers a file imports or re-exports when it runs (not import(), not type-only imports). */
function staticImports(file: string): string[] {
  const emitted = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    fileName: file,
  }).outputText;
  const source = ts.createSourceFile(file, emitted, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const found: string[] = [];
  for (const statement of source.statements) {
    const specifier = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier;
    if (specifier && ts.isStringLiteral(specifier)) found.push(specifier.text);
  }
  return found;
}

/** Every module reached from `entry` by static imports: the library's files and the packages. */
function reach(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else if (!specifier.startsWith('node:')) packages.add(specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(join(pkgDir, 'src'), f)).sort(), packages: [...packages].sort() };
}

const graphs = new Map(entries.map(([name, file]) => [name, reach(file)]));

describe('entry points', () => {
  it('are the root and project, rotate, keyring, compose, memu, age', () => {
    expect(entries.map(([name]) => name)).toEqual(['envkit', 'envkit/project', 'envkit/rotate', 'envkit/keyring', 'envkit/compose', 'envkit/memu', 'envkit/age']);
  });

  it('`import { loadEnv } from "envkit"` loads zod and nothing else outside Node', () => {
    expect(graphs.get('envkit')!.packages).toEqual(['zod']);
    expect(graphs.get('envkit/memu')!.packages).toEqual(['zod']);
  });

  it('no entry point loads an optional peer (pg, js-yaml, age-encryption, the native keyring) when imported', () => {
    const lazy = Object.keys(manifest.peerDependenciesMeta);
    expect(lazy).toEqual(['@napi-rs/keyring', 'age-encryption', 'js-yaml', 'pg']);
    for (const [name, graph] of graphs) expect(graph.packages.filter((p) => lazy.includes(p)), name).toEqual([]);
  });

  it('each package an entry point loads is a dependency or zod, and only the entries that use one load it', () => {
    const declared = new Set([...Object.keys(manifest.dependencies), 'zod']);
    for (const [name, graph] of graphs) for (const p of graph.packages) expect(declared.has(p), `${name} loads ${p}`).toBe(true);
    const loaders = (p: string) => [...graphs].filter(([, graph]) => graph.packages.includes(p)).map(([name]) => name);
    // shell-quote splits a compose command line: the entries that check or run compose (age: an encrypted
    // environment's check is the deployment check); @scure/base encodes age keys.
    expect(loaders('shell-quote')).toEqual(['envkit/project', 'envkit/rotate', 'envkit/compose', 'envkit/age']);
    expect(loaders('@scure/base')).toEqual(['envkit/age']);
    // ignore matches .gitignore patterns: the entries whose check reads whether the env file is ignored.
    expect(loaders('ignore')).toEqual(['envkit/project', 'envkit/age']);
  });

  it('the root reaches no project, keyring, compose, database or age module', () => {
    expect(graphs.get('envkit')!.files.filter((f) => /^(project|keyring|compose|database|age|guard|memu)\//.test(f))).toEqual([]);
  });
});
