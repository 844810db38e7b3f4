import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { PodmanEnvironment } from './podman.js';

function versionOf(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error || result.status !== 0) return undefined;
  return `${result.stdout}\n${result.stderr}`.trim() || undefined;
}

/**
 * Ask the installed podman and podman-compose for their versions and whether systemd runs here, so podman
 * warnings can be precise. Costs a few hundred ms (podman-compose is a Python program): only `--online` uses it.
 */
export function detectPodmanEnvironment(): PodmanEnvironment {
  const podman = versionOf('podman', ['--version']);
  // podman-compose prints podman's version first; keep only its own line ("podman-composer version  1.0.3").
  const composeOut = versionOf('podman-compose', ['--version']);
  const podmanCompose = composeOut?.split('\n').find((line) => /podman-compose/i.test(line) && /\d+\.\d+/.test(line));
  return {
    ...(podman ? { podman } : {}),
    ...(podmanCompose ? { podmanCompose } : {}),
    systemd: existsSync('/run/systemd/system'),
  };
}
