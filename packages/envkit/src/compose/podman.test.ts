import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings.js';
import { parseVersion, podmanFindings } from './podman.js';
import { readComposeText } from './read.js';

// The memu example as it was before it switched to `restart: always` (which podman 4.3 restarts after a
// reboot): the restart facts need a policy podman gets wrong.
const memuText = readFileSync(fileURLToPath(new URL('../../../../examples/memu/docker-compose.yml', import.meta.url)), 'utf8').replaceAll(
  'restart: always',
  'restart: unless-stopped',
);
const memu = await readComposeText(memuText, 'docker-compose.yml');
const lines = memuText.split('\n');
const linesWith = (needle: string): number[] => lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
const summary = (findings: Finding[]): [string, string, number | undefined][] => findings.map((f) => [f.rule, f.severity, f.line]);

describe('podmanFindings on the memu compose file', () => {
  it('with Debian 12 versions (podman 4.3.1, podman-compose 1.0.3): every fact that bites', () => {
    const findings = podmanFindings(memu, {
      podman: 'podman version 4.3.1',
      podmanCompose: 'podman-composer version  1.0.3\npodman --version\npodman version 4.3.1',
    });
    const [memuMaxFile, dbMaxFile] = linesWith('max-file');
    const [memuRestart, dbRestart] = linesWith('restart: unless-stopped');
    expect(summary(findings)).toEqual([
      ['compose.podman.log-max-file', 'warning', memuMaxFile],
      ['compose.podman.restart', 'warning', memuRestart],
      ['compose.podman.service-healthy', 'warning', linesWith('condition: service_healthy')[0]],
      ['compose.podman.log-max-file', 'warning', dbMaxFile],
      ['compose.podman.restart', 'warning', dbRestart],
      ['compose.podman.healthcheck-systemd', 'warning', linesWith('    healthcheck:')[0]],
      ['compose.podman.reboot', 'info', memuRestart],
    ]);
    const healthy = findings.find((f) => f.rule === 'compose.podman.service-healthy');
    expect(healthy?.message).toContain('podman-compose 1.0.3 and podman 4.3.1 ignore');
    expect(findings.find((f) => f.rule === 'compose.podman.restart')?.message).toContain('podman 4.3.1');
  });

  it('with current versions and systemd: only what no version fixes', () => {
    const findings = podmanFindings(memu, { podman: '5.8.0', podmanCompose: '1.3.0', systemd: true });
    expect(findings.map((f) => f.rule)).toEqual([
      'compose.podman.log-max-file',
      'compose.podman.log-max-file',
      'compose.podman.reboot',
    ]);
  });

  it('without versions: warns conditionally', () => {
    const findings = podmanFindings(memu);
    expect(findings.find((f) => f.rule === 'compose.podman.restart')?.message).toMatch(/^before podman 5\.8/);
    expect(findings.find((f) => f.rule === 'compose.podman.service-healthy')?.message).toMatch(/needs podman-compose ≥ 1\.3 and podman ≥ 4\.6/);
  });

  it('names only the tool that is too old', () => {
    const findings = podmanFindings(memu, { podman: '4.9.3', podmanCompose: '1.0.6' });
    expect(findings.find((f) => f.rule === 'compose.podman.service-healthy')?.message).toMatch(/^podman-compose 1\.0\.6 ignores/);
  });

  it('says when systemd is known to be missing', () => {
    const findings = podmanFindings(memu, { systemd: false });
    expect(findings.find((f) => f.rule === 'compose.podman.healthcheck-systemd')?.message).toMatch(/systemd is not running here.*\(memu, db\)/);
  });
});

describe('podmanFindings on constructs podman-compose 1.0.x gets wrong', async () => {
  const text = `services:
  app:
    image: busybox
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost/"]
    environment:
      A: \${A:+on}
      B: x\${B:-}y
      C: \${C:?}
      D: \${D:-\${E}}
      F: \${F:-fine}
`;
  const file = await readComposeText(text, 'c.yml');

  it('warns about the CMD list form and the interpolation forms 1.0.3 leaves literal', () => {
    const findings = podmanFindings(file, { podman: '4.3.1', podmanCompose: '1.0.3', systemd: true });
    expect(summary(findings)).toEqual([
      ['compose.podman.healthcheck-cmd', 'warning', 5],
      ['compose.podman.interpolation', 'warning', 7],
      ['compose.podman.interpolation', 'warning', 8],
      ['compose.podman.interpolation', 'warning', 9],
      ['compose.podman.interpolation', 'warning', 10],
    ]);
    expect(findings[4]?.message).toContain('nested in a default (`E`)');
  });

  it('is quiet with podman-compose 1.3', () => {
    expect(podmanFindings(file, { podman: '5.0.0', podmanCompose: '1.3.0', systemd: true })).toEqual([]);
  });
});

describe('parseVersion', () => {
  it('reads tool output and bare versions', () => {
    expect(parseVersion('podman version 4.3.1')).toEqual([4, 3, 1]);
    expect(parseVersion('podman-compose version 1.3.0\npodman version 5.4.2')).toEqual([1, 3, 0]);
    expect(parseVersion('5.8')).toEqual([5, 8, 0]);
    expect(parseVersion('unknown')).toBeUndefined();
    expect(parseVersion(undefined)).toBeUndefined();
  });
});
