// The CLI from its TypeScript source, with none of what packages/cli/build.mjs does (no bundle, no stand-in
// commands, no lazy builtins, no code cache, no static --help text, no latin1 read): each file of
// packages/cli/src compiled on its own by TypeScript (transpileModule, as tsc builds the library; not the
// build's esbuild) into a temp directory, and run as src/bin.ts runs a bundle, on the process's own streams.
// The library comes from packages/envkit/dist, tsc's output (not bundled).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { runCli, type CliOptions, type CliResult } from './cli.js';

const CLI = fileURLToPath(new URL('../../packages/cli', import.meta.url));

/** The CLI compiled from source: run it like {@link envkit}; remove() when done. */
export interface SourceCli {
  run(cwd: string, args: string[], options?: CliOptions): Promise<CliResult>;
  remove(): void;
}

/** Compiles packages/cli/src (about 0.7 s) into a temp directory beside the CLI package's node_modules. */
export function sourceCli(): SourceCli {
  const out = mkdtempSync(join(tmpdir(), 'envkit-cli-source-'));
  const src = join(CLI, 'src');
  for (const file of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || /\.test(-d)?\.ts$/.test(file)) continue;
    const { outputText } = ts.transpileModule(readFileSync(join(src, file), 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    mkdirSync(dirname(join(out, 'src', file)), { recursive: true });
    writeFileSync(join(out, 'src', file.replace(/\.ts$/, '.js')), outputText);
  }
  // Laid out as packages/cli is (src/ beside node_modules/): jiti, for one, looks for node_modules/ beside
  // the module that loads it (there it would keep its cache).
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(CLI, 'node_modules'), join(out, 'node_modules'));
  const entry = join(out, 'src', 'entry.js');
  writeFileSync(entry, "import { run } from './run.js';\nprocess.exitCode = await run(process.argv.slice(2));\n");
  return {
    run: (cwd, args, options = {}) => runCli(entry, cwd, args, options),
    remove: () => rmSync(out, { recursive: true, force: true }),
  };
}
