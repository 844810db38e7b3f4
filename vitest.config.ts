import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import the library's source, so they never run against a stale build.
    alias: [
      // envkit/<entry> is src/<entry>/index.ts (package.json "exports").
      { find: /^envkit\/(project|rotate|keyring|compose|memu|age)$/, replacement: src('./packages/envkit/src/$1/index.ts') },
      { find: /^envkit$/, replacement: src('./packages/envkit/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ['packages/*/src/**/*.test-d.ts'], tsconfig: './packages/envkit/tsconfig.json' },
  },
});
