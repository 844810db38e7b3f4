// envkit guard knows the values of the encrypted environments the user can open: a production secret that
// exists only in .env.production.age (no plaintext .env here) is found when pasted into a staged file.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/require.js';
import { testdir } from '../helpers/testdir.js';
import { CANARY, HAS_AGE, SECRETS, ageProject, findLeak } from './support.js';

const HAS_GIT = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;

describe.runIf(requireTool('age', HAS_AGE, 'apt-get install age') && requireTool('git', HAS_GIT, 'apt-get install git'))('envkit guard and encrypted environments', () => {
  it('blocks a value of .env.production.age pasted into a staged file, naming the key and the environment, never the value', async () => {
    const p = await ageProject();
    const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: p.dir, encoding: 'utf8' });
    git('init', '-q');
    writeFileSync(join(p.dir, 'deploy.sh'), `#!/bin/sh\nexport PGPASSWORD=${CANARY.POSTGRES_PASSWORD}\n`);
    git('add', 'deploy.sh', '.env.production.age', '.env.production.recipients');
    const blocked = await p.run(['--json', 'guard', '--no-keyring']);
    expect(blocked.code, blocked.all).toBe(1);
    const report = JSON.parse(blocked.stdout) as { findings: { file?: string; line?: number; key?: string }[]; sources: { name: string; keys: string[] }[] };
    expect(report.findings).toContainEqual(expect.objectContaining({ file: 'deploy.sh', line: 2, key: 'POSTGRES_PASSWORD' }));
    expect(report.sources.map((s) => s.name)).toContain('.env.production.age');
    expect(findLeak(blocked.all, SECRETS)).toBeUndefined();

    // Someone who cannot open the environment: it is not searched, and the note says why.
    const stranger = await p.run(['guard', '--no-keyring'], { env: { XDG_CONFIG_HOME: testdir() } });
    expect(stranger.code, stranger.all).toBe(0);
    expect(stranger.stdout).toMatch(/note: the encrypted environments \(production\) were not searched: no age identity/);
  });
});
