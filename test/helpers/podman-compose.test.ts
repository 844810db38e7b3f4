import { describe, expect, it } from 'vitest';
import { requireTool } from './require.js';
import { testdir } from './testdir.js';
import {
  capturePodmanCompose,
  dryRunPodmanCompose,
  hasPodmanCompose,
  parseDryRunEnv,
  podmanComposeVersion,
  resolveWithPodmanCompose,
} from './podman-compose.js';

const available = requireTool('podman-compose', hasPodmanCompose(), 'apt-get install -y podman-compose');

const composeFor = (keys: string[]): string =>
  ['services:', '  app:', '    image: busybox', '    environment:', ...keys.map((k) => `      ${k}: \${${k}}`), ''].join('\n');

describe.runIf(available)('podman-compose helper', () => {
  it('reports the installed version', () => {
    expect(podmanComposeVersion()).toMatch(/^\d+\.\d+(\.\d+)?$/);
  });

  it('captures values exactly: spaces, quotes, newlines, unicode, = and a fake "-e"', async () => {
    // Single-quoted python-dotenv values: read literally (no escapes, no interpolation of `$`).
    const values: Record<string, string> = {
      SPACES: '  two  leading and trailing  ',
      DQUOTE: 'say "hi"',
      NEWLINE: 'line1\nline2',
      UNICODE: 'pässwörd ✓ 密码',
      EQUALS: 'a=b=c',
      FAKE_FLAG: 'x -e INJECTED=1',
      DOLLAR: 'a$b',
      EMPTY: '',
    };
    const env = Object.entries(values)
      .map(([k, v]) => `${k}='${v}'`)
      .join('\n');
    const dir = testdir({ 'docker-compose.yml': composeFor(Object.keys(values)), '.env': env + '\n' });
    const resolved = await resolveWithPodmanCompose(dir);
    expect(resolved).toEqual({ app: values });
  });

  it('shows why dry-run output cannot be parsed exactly: two different .env files print the same line', async () => {
    const one = testdir({
      'docker-compose.yml': composeFor(['A']) ,
      '.env': "A='x -e B=y'\n",
    });
    const two = testdir({
      'docker-compose.yml': ['services:', '  app:', '    image: busybox', '    environment:', '      A: ${A}', '      B: ${B}', ''].join('\n'),
      '.env': 'A=x\nB=y\n',
    });
    // Same project name, so the lines can be compared byte for byte.
    const line = (out: string): string => out.split('\n').find((l) => / (create|run) /.test(l)) ?? '';
    const [a, b] = await Promise.all([dryRunPodmanCompose(one), dryRunPodmanCompose(two)]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const strip = (l: string): string => l.replace(/envkit-test-[A-Za-z0-9]+/g, 'P').replace(/\S*podman /, 'podman ');
    expect(strip(line(a.stdout))).toBe(strip(line(b.stdout)));
    // …while the captured argv tells them apart.
    expect(await resolveWithPodmanCompose(one)).toEqual({ app: { A: 'x -e B=y' } });
    expect(await resolveWithPodmanCompose(two)).toEqual({ app: { A: 'x', B: 'y' } });
  });

  it('parses dry-run output the same as the capture for values without spaces or newlines', async () => {
    const values = { P: 'Abc_123-xyz', URL: 'postgresql+psycopg://u:p@db:5432/d', PUNCT: 'a~b^c!d*e(f)g[h]"j{k}|l;m<n>o&p?q' };
    const dir = testdir({
      'docker-compose.yml': composeFor(Object.keys(values)),
      '.env': `P=${values.P}\nURL=${values.URL}\nPUNCT='${values.PUNCT}'\n`,
    });
    const dry = await dryRunPodmanCompose(dir);
    expect(parseDryRunEnv(dry.stdout)).toEqual({ app: values });
    expect(await resolveWithPodmanCompose(dir)).toEqual({ app: values });
  });

  it('fails loudly when podman-compose refuses the file', async () => {
    const dir = testdir({
      'docker-compose.yml': ['services:', '  app:', '    image: busybox', '    environment:', '      A: ${A:?A is required}', ''].join('\n'),
    });
    await expect(resolveWithPodmanCompose(dir)).rejects.toThrow(/podman-compose up failed/);
  });

  it('starts nothing: only the stand-in podman sees the commands', async () => {
    const dir = testdir({ 'docker-compose.yml': composeFor(['A']), '.env': 'A=1\n' });
    const capture = await capturePodmanCompose(dir);
    expect(capture.code).toBe(0);
    expect(capture.invocations.map((argv) => argv.slice(0, 2).join(' '))).toContain('network exists');
    expect(capture.invocations.filter((argv) => argv[0] === 'run')).toHaveLength(1);
  });
});
