// Which Node runs the end-to-end suite. scripts/node24.sh sets ENVKIT_EXPECT_NODE_MAJOR=24: then the test
// runner, the CLI interpreter (ENVKIT_TEST_NODE) and what the CLI itself reports must all be Node 24, so a
// misconfigured run cannot pass silently on the machine's Node 20.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI_NODE, runCli, scratchDir } from './support.js';

const expected = process.env.ENVKIT_EXPECT_NODE_MAJOR;
const major = (version: string) => Number(/^v?(\d+)\./.exec(version.trim())?.[1]);

describe('the Node running the suite', () => {
  it('is at least the engines minimum (20.12), and the one asked for', () => {
    const [maj, min] = process.versions.node.split('.').map(Number) as [number, number];
    expect(maj > 20 || (maj === 20 && min >= 12)).toBe(true);
    if (expected !== undefined) expect(major(process.version)).toBe(Number(expected));
  });

  it('runs the CLI, and the CLI runs on it', async () => {
    const cli = spawnSync(CLI_NODE, ['--version'], { encoding: 'utf8' });
    expect(cli.status).toBe(0);
    if (expected !== undefined) expect(major(cli.stdout)).toBe(Number(expected));
    else expect(CLI_NODE).toBe(process.env.ENVKIT_TEST_NODE || process.execPath);
    // A real command on that interpreter: init writes a valid project.
    const dir = scratchDir();
    const result = await runCli(dir, ['init', '--no-input', '--no-keyring']);
    expect(result.code, result.all).toBe(0);
    process.stderr.write(`node: suite on ${process.version}, CLI on ${cli.stdout.trim()}\n`);
  });
});
