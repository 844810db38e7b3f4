// The CLI from its TypeScript source, with none of what packages/cli/build.mjs does (no bundle, no stand-in
// commands, no lazy builtins, no code cache, no static --help text, no latin1 read): src/run.ts loaded with
// jiti (babel, not the build's esbuild) and run as src/bin.ts runs a bundle, on the process's own streams.
// The library comes from packages/envkit/dist, tsc's output (not bundled).
// Usage: node -- test/helpers/cli-source.mjs <envkit arguments…> (envkitFromSource in cli.ts).
import { createJiti } from 'jiti';

// jiti keeps what it transpiled in $TMPDIR/jiti, but a test may give the CLI a TMPDIR of its own to inspect:
// envkitFromSource names the test's own place, and the CLI does not see that variable.
const fsCache = process.env.ENVKIT_SOURCE_JITI_CACHE;
delete process.env.ENVKIT_SOURCE_JITI_CACHE;
const jiti = createJiti(import.meta.url, fsCache ? { fsCache } : {});
const { run } = await jiti.import(new URL('../../packages/cli/src/run.ts', import.meta.url).href);
process.exitCode = await run(process.argv.slice(2));
