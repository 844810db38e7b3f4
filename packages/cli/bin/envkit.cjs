#!/usr/bin/env -S node --
// The installed `envkit` command (package.json "bin"). The CLI itself is dist/bin.js (see src/bin.ts), which
// the build writes; this file is committed so that the bin target exists before any build: pnpm links
// node_modules/.bin/envkit when it installs a fresh clone, and a missing target is skipped with "Failed to
// create bin". `--` in the first line stops Node 20 from taking envkit's own --env-file (nodejs/node#54232).
'use strict';
let entry;
try {
  entry = require.resolve('../dist/bin.js');
} catch {
  process.stderr.write('envkit: the CLI is not built (packages/cli/dist/bin.js is missing): run `pnpm run build`\n');
  process.exit(3);
}
require(entry);
