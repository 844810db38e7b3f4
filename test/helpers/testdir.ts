import { mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) {
    // A test may have made the directory read-only; without this, a non-root run could not remove it.
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A fresh temp directory holding `files` (path → content, or [content, mode]); removed after the test.
 */
export function testdir(files: Record<string, string | [string, number]> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'envkit-test-'));
  made.push(dir);
  for (const [name, spec] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    const [content, mode] = typeof spec === 'string' ? [spec, undefined] : spec;
    writeFileSync(path, content);
    if (mode !== undefined) chmodSync(path, mode);
  }
  return dir;
}
