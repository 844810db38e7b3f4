// Bundles the CLI into dist/ with esbuild: one small entry, and a chunk per lazily imported command, so
// `envkit --help` never loads zod, the YAML parser, node-postgres or the keyring module.
import { build } from 'esbuild';
import { rmSync, chmodSync } from 'node:fs';

rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { bin: 'src/bin.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: '#!/usr/bin/env -S node --\nimport { createRequire as __envkitCreateRequire } from "node:module"; const require = __envkitCreateRequire(import.meta.url);' },
  // Native or heavy modules stay external and are imported only by the commands that use them.
  external: ['@napi-rs/keyring', 'pg', 'jiti'],
  logLevel: 'warning',
});
chmodSync(new URL('./dist/bin.js', import.meta.url), 0o755);
