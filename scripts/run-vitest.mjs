// Runs the whole vitest suite, then prints one plain closing line — "N passed, N failed, N skipped", and
// the number of test files that failed where there are any — that any CI log reader understands, and exits with
// vitest's own status.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = join(tmpdir(), `envkit-vitest-${process.pid}`);
mkdirSync(dir, { recursive: true });
const report = join(dir, 'results.json');
const vitest = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
let line = 'vitest: no results were written';
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  line = `vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`;
  // A file can fail outside its tests (a beforeAll/afterAll hook, an import): its tests may all have passed.
  // (numFailedTestSuites counts describe blocks too: the files are testResults.)
  const files = (r.testResults ?? []).filter((t) => t.status === 'failed').length;
  if (files > 0) line += `; ${files} test file${files === 1 ? '' : 's'} failed`;
} catch {}
rmSync(dir, { recursive: true, force: true });
console.log(line);
process.exit(vitest.status ?? 1);
