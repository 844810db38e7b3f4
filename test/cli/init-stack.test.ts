// init's last line tells the user to start the stack only where starting it gives it the env file init wrote:
// with `-f prod.env` next to memu's compose file, which reads .env, it once said "start the stack
// (`podman-compose up -d`)", and the stack came up with .env's values (or none). What it says now is checked
// against podman-compose 1.0.3 itself (a stand-in podman records what it would run).
import { describe, it, expect } from 'vitest';
import { copyFileSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testdir } from '../helpers/testdir.js';
import { requireTool } from '../helpers/require.js';
import { capturePodmanCompose, hasPodmanCompose } from '../helpers/podman-compose.js';
import { initProject } from './support.js';

const MEMU = fileURLToPath(new URL('../../examples/memu/', import.meta.url));
const available = requireTool('podman-compose', hasPodmanCompose(), 'apt-get install -y podman-compose');

/** A directory with the memu example's .env.example and compose file (`compose` rewrites the latter). */
function memuDir(compose: (text: string) => string = (text) => text): string {
  const dir = testdir();
  copyFileSync(join(MEMU, '.env.example'), join(dir, '.env.example'));
  writeFileSync(join(dir, 'docker-compose.yml'), compose(readFileSync(join(MEMU, 'docker-compose.yml'), 'utf8')));
  return dir;
}

/** Each `podman run` of `podman-compose up -d` in `dir`, by service: the env files podman is given and the memory limit. */
async function whatUpRuns(dir: string, args?: string[]): Promise<{ code: number | null; services: Record<string, { envFiles: string[]; memory: string[] }> }> {
  const capture = await capturePodmanCompose(dir, args === undefined ? {} : { args });
  const services: Record<string, { envFiles: string[]; memory: string[] }> = {};
  for (const argv of capture.invocations.filter((a) => a[0] === 'run')) {
    const after = (flag: string): string[] => argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1] as string] : []));
    const service = after('--label').find((l) => l.startsWith('com.docker.compose.service='))!.split('=')[1]!;
    services[service] = { envFiles: after('--env-file'), memory: after('-m') };
  }
  return { code: capture.code, services };
}

describe.runIf(available)("init -f prod.env next to a compose file: its Next line says what the stack reads", () => {
  it("memu's compose file (env_file: .env, ${…} from .env): says the stack reads .env, not prod.env, and names no command to start it", async () => {
    const dir = memuDir();
    const init = await initProject(dir, ['-f', 'prod.env', '--no-keyring']);
    // It said "Next: envkit check -f prod.env, then start the stack (`podman-compose up -d`)."
    expect(init.stdout).toMatch(
      /^Next: envkit check -f prod\.env, then start the app with prod\.env the way it runs: the stack of docker-compose\.yml reads \.env \(env_file of memu and db; \$\{MEMU_MEMORY_LIMIT\} and \$\{DB_MEMORY_LIMIT\}\), not prod\.env, so starting the stack as it is would not give it the values of prod\.env\.$/m,
    );
    expect(init.stdout).not.toContain('podman-compose');
    // True of podman-compose: `up -d` hands both services .env, and takes the limits from .env, not prod.env (2g, 1g).
    writeFileSync(join(dir, '.env'), 'MEMU_MEMORY_LIMIT=3g\nDB_MEMORY_LIMIT=768m\n', { mode: 0o600 });
    const up = await whatUpRuns(dir);
    expect(up.code).toBe(0);
    const dotenv = join(realpathSync(dir), '.env');
    expect(up.services).toEqual({ db: { envFiles: [dotenv], memory: ['768m'] }, memu: { envFiles: [dotenv], memory: ['3g'] } });
    // And 1.0.3 has no --env-file to make it read prod.env instead: there is no command to offer.
    const withEnvFile = await whatUpRuns(dir, ['--env-file', 'prod.env', 'up', '-d']);
    expect(withEnvFile.code).not.toBe(0);
    expect(withEnvFile.services).toEqual({});
  });

  it('a compose file whose services load prod.env and interpolate no variable of the schema: start the stack, which podman-compose gives prod.env', async () => {
    const dir = memuDir((text) => text.replaceAll('env_file: .env', 'env_file: prod.env').replace('${MEMU_MEMORY_LIMIT:-2g}', '2g').replace('${DB_MEMORY_LIMIT:-1g}', '1g'));
    const init = await initProject(dir, ['-f', 'prod.env', '--no-keyring']);
    expect(init.stdout).toMatch(/^Next: envkit check -f prod\.env, then start the stack \(`podman-compose up -d`\)\.$/m);
    const up = await whatUpRuns(dir);
    expect(up.code).toBe(0);
    const prod = join(realpathSync(dir), 'prod.env');
    expect(Object.values(up.services).map((s) => s.envFiles)).toEqual([[prod], [prod]]);
  });

  it('services that load prod.env while ${…} still comes from .env: says which values the stack takes from .env', async () => {
    const dir = memuDir((text) => text.replaceAll('env_file: .env', 'env_file: prod.env'));
    const init = await initProject(dir, ['-f', 'prod.env', '--no-keyring']);
    expect(init.stdout).toMatch(
      /^Next: envkit check -f prod\.env, then start the app with prod\.env the way it runs: the stack of docker-compose\.yml reads \.env \(\$\{MEMU_MEMORY_LIMIT\} and \$\{DB_MEMORY_LIMIT\}\), not prod\.env \(memu and db load prod\.env\), so starting the stack as it is would not give it all the values of prod\.env\.$/m,
    );
    writeFileSync(join(dir, 'prod.env'), readFileSync(join(dir, 'prod.env'), 'utf8').replace('MEMU_MEMORY_LIMIT=2g', 'MEMU_MEMORY_LIMIT=3g'));
    const up = await whatUpRuns(dir);
    // prod.env's 3g is not what the app gets: .env has none, the default 2g is used.
    expect(up.services.memu?.memory).toEqual(['2g']);
  });
});

describe('init -f prod.env without a compose file', () => {
  it('names no stack: the app is started the way it runs', async () => {
    const dir = testdir();
    copyFileSync(join(MEMU, '.env.example'), join(dir, '.env.example'));
    const init = await initProject(dir, ['-f', 'prod.env', '--no-keyring']);
    expect(init.stdout).toMatch(/^Next: envkit check -f prod\.env, then start the app with prod\.env \(there is no compose file here: start it the way it runs\)\.$/m);
  });
});
