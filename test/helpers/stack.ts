// A real memu stack under podman-compose for the end-to-end suite: examples/memu/docker-compose.yml as
// shipped plus test/stack/compose.override.yml (local images built from Debian packages by
// test/stack/images/build.sh, the Ollama stand-in, this sandbox's ulimits), in a temp directory that is a git
// repository, started with the real podman-compose and podman (runc runtime).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { envkit, runProcess, type CliResult } from './cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const STACK_IMAGES = ['localhost/envkit-test/db:latest', 'localhost/envkit-test/app:latest'];
export const BUILD_IMAGES = 'bash test/stack/images/build.sh (needs podman, mmdebstrap; ~3 min the first time)';
/** The compose command with this sandbox's flag: crun fails on setrlimit here, runc works. */
export const COMPOSE_CMD = "podman-compose --podman-run-args='--runtime runc'";
const COMPOSE = ['podman-compose', '--podman-run-args=--runtime runc'];

/** True when podman, podman-compose, runc and the test images are all here. */
export function hasStack(): boolean {
  const ok = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
  return ok('podman', ['--version']) && ok('podman-compose', ['--version']) && ok('runc', ['--version']) && STACK_IMAGES.every((image) => ok('podman', ['image', 'exists', image]));
}

export interface Stack {
  dir: string;
  /** The compose project name (`-p`). */
  name: string;
  /** What envkit is told about this compose setup: command, both files, project name. */
  composeArgs: string[];
  compose(args: string[], timeoutMs?: number): Promise<CliResult>;
  envkit(args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult>;
  /** The container (name) of a service, as podman-compose names it. */
  container(service: string): string;
  /** `podman healthcheck run` until it passes (no systemd timers here); throws after `timeoutMs`. */
  waitHealthy(service: string, timeoutMs?: number): Promise<number>;
  /** Run a command in a service's container (nothing secret in `argv`). */
  exec(service: string, argv: string[], input?: string): Promise<CliResult>;
  /** The container's IPv4 address on the compose network (reachable from this host). */
  address(service: string): string;
  /** Everything down and removed, the volume too. */
  remove(): Promise<void>;
}

let count = 0;

/** A new project directory with the two compose files, a git repository, and nothing started. */
export function createStack(): Stack {
  count += 1;
  const dir = mkdtempSync(join(tmpdir(), 'envkit-stack-'));
  const name = `envkitstack${process.pid}x${count}`;
  copyFileSync(join(ROOT, 'examples/memu/docker-compose.yml'), join(dir, 'docker-compose.yml'));
  copyFileSync(join(ROOT, 'test/stack/compose.override.yml'), join(dir, 'compose.override.yml'));
  spawnSync('git', ['init', '-q', dir], { stdio: 'ignore' });
  const files = ['-f', 'docker-compose.yml', '-f', 'compose.override.yml', '-p', name];
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' };
  const podman = (args: string[], input?: string) => runProcess('podman', args, { cwd: dir, env, timeoutMs: 120_000, ...(input === undefined ? {} : { input }) });
  const stack: Stack = {
    dir,
    name,
    composeArgs: ['--compose-cmd', COMPOSE_CMD, '--compose-file', 'docker-compose.yml', '--compose-file', 'compose.override.yml', '--compose-project', name],
    compose: (args, timeoutMs = 180_000) => runProcess(COMPOSE[0]!, [...COMPOSE.slice(1), ...files, ...args], { cwd: dir, env, timeoutMs }),
    envkit: (args, options = {}) => envkit(dir, args, { timeoutMs: 300_000, ...options }),
    container: (service) => `${name}_${service}_1`,
    async waitHealthy(service, timeoutMs = 90_000) {
      const started = Date.now();
      for (;;) {
        const result = await podman(['healthcheck', 'run', stack.container(service)]);
        if (result.code === 0) return Date.now() - started;
        if (Date.now() - started > timeoutMs) throw new Error(`${service} not healthy after ${timeoutMs} ms: ${result.all}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    },
    exec: (service, argv, input) => podman(['exec', '-i', stack.container(service), ...argv], input ?? ''),
    address(service) {
      const out = spawnSync('podman', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', stack.container(service)], { encoding: 'utf8' });
      const ip = out.stdout.trim();
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new Error(`no address for ${service}: ${out.stdout}${out.stderr}`);
      return ip;
    },
    async remove() {
      await stack.compose(['down']);
      spawnSync('podman', ['volume', 'rm', '-f', `${name}_postgres_data`], { stdio: 'ignore' });
      spawnSync('podman', ['network', 'rm', '-f', `${name}_default`], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** What memu's GET / answers from inside its container (database login with MEMU_DB_URL). */
export async function appStatus(stack: Stack): Promise<{ status: number | null; body: string }> {
  const script =
    'import urllib.request, urllib.error\n' +
    'try:\n  r = urllib.request.urlopen("http://localhost:8000/", timeout=10); print(r.status, r.read().decode())\n' +
    'except urllib.error.HTTPError as e:\n  print(e.code, e.read().decode())\n';
  const result = await stack.exec('memu', ['python3', '-'], script);
  const m = /^(\d{3}) (.*)$/m.exec(result.stdout);
  return { status: m ? Number(m[1]) : null, body: m?.[2] ?? result.all };
}
