import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/**
 * A throw-away PostgreSQL cluster for tests: local socket `trust` (like inside the postgres container),
 * TCP on 127.0.0.1 with `scram-sha-256`, `log_statement = all` so tests can prove no password reaches
 * the server log. Everything lives in one temp directory that `stop()` removes.
 */
export interface PgCluster {
  /** `127.0.0.1`. */
  host: string;
  port: number;
  /** The directory holding the server's unix socket (connect with `-h socketDir`). */
  socketDir: string;
  /** The bootstrap superuser (`postgres`). */
  superuser: string;
  /** The superuser's password (needed over TCP only). */
  superPassword: string;
  /** Directory of initdb, pg_ctl, postgres and psql. */
  binDir: string;
  /** The psql executable. */
  psqlPath: string;
  /** The server log (every statement, every connection). */
  logFile: string;
  /** The server log's text so far. */
  readLog(): string;
  /** Run `sql` as the superuser over the socket; returns psql's unaligned, tuples-only output. */
  psql(sql: string, options?: { db?: string }): Promise<string>;
  /**
   * A LOGIN role with `password`; the statement is kept out of the server log. `encryption: 'md5'` stores
   * an MD5 hash instead of a SCRAM verifier (what a cluster from before PostgreSQL 14 holds).
   */
  createRole(name: string, password: string, options?: { encryption?: 'md5' }): Promise<void>;
  createDatabase(name: string, owner: string): Promise<void>;
  /** Stop the server and remove its directory. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
/** The account the server runs as when the tests run as root (initdb refuses root). */
const SERVICE_ACCOUNT = 'postgres';

/** The directory holding initdb, pg_ctl and postgres, or `undefined` when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  const hasAll = (dir: string): boolean =>
    ['initdb', 'pg_ctl', 'postgres'].every((tool) => existsSync(join(dir, tool)));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const initdb = join(dir, 'initdb');
    if (dir === '' || !existsSync(initdb)) continue;
    // Debian links initdb into /usr/local/bin; its siblings live where the link points.
    const real = dirname(realpathSync(initdb));
    if (hasAll(real)) return real;
    if (hasAll(dir)) return dir;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find(hasAll);
}

/** True when a cluster can be started here: PostgreSQL is installed and, as root, a `postgres` account exists. */
export function hasPostgres(): boolean {
  return findPostgresBin() !== undefined && findPsql(findPostgresBin() ?? '') !== undefined && runAs() !== null;
}

/** How {@link startPostgres} sets a cluster up beyond its defaults. */
export interface PgClusterOptions {
  /**
   * The TCP lines of pg_hba.conf, replacing initdb's (`host … scram-sha-256`); the socket stays `trust`.
   * E.g. `['hostssl all all 127.0.0.0/8 scram-sha-256']` for a cluster reachable over TLS only.
   */
  hba?: string[];
  /** postgresql.conf lines added after the defaults (a later line wins: `listen_addresses = '127.0.0.1,127.0.0.2'`). */
  conf?: string[];
  /** Files written into the data directory, owned by the server and mode 0600 (`ssl_key_file` demands it). */
  files?: Record<string, string>;
}

/** Start a fresh cluster. Use one per test file (beforeAll / afterAll): initdb takes about a second. */
export async function startPostgres(options: PgClusterOptions = {}): Promise<PgCluster> {
  const binDir = findPostgresBin();
  const psqlPath = binDir && findPsql(binDir);
  const account = runAs();
  if (!binDir || !psqlPath || account === null) {
    throw new Error('PostgreSQL is not available: apt-get install postgresql');
  }
  const dir = mkdtempSync(join(tmpdir(), 'envkit-pg-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'sock');
  const logFile = join(dir, 'server.log');
  const pwFile = join(dir, 'pwfile');
  const superPassword = randomBytes(18).toString('base64url');
  mkdirSync(socketDir);
  writeFileSync(pwFile, `${superPassword}\n`, { mode: 0o600 });
  if (account) for (const path of [dir, socketDir, pwFile]) chownSync(path, account.uid, account.gid);

  const asServer = { cwd: dir, env: serverEnv(), ...(account ?? {}) };
  let cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', () => cleanup());
  try {
    await mustRun(join(binDir, 'initdb'), [
      '-D', dataDir, '-U', SUPERUSER, `--pwfile=${pwFile}`,
      '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync',
    ], asServer);
    rmSync(pwFile);
    appendFileSync(
      join(dataDir, 'postgresql.conf'),
      [
        '',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${socketDir}'`,
        "password_encryption = 'scram-sha-256'",
        "log_statement = 'all'",
        'log_connections = on',
        'logging_collector = off',
        'max_connections = 20',
        'shared_buffers = 16MB',
        // Durability is worthless for a cluster that lives for one test file.
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        ...(options.conf ?? []),
        '',
      ].join('\n'),
    );
    if (options.hba) writeFileSync(join(dataDir, 'pg_hba.conf'), ['local all all trust', ...options.hba, ''].join('\n'));
    for (const [name, text] of Object.entries(options.files ?? {})) {
      const path = join(dataDir, name);
      writeFileSync(path, text, { mode: 0o600 });
      if (account) chownSync(path, account.uid, account.gid);
    }
    const port = await startOnFreePort(join(binDir, 'pg_ctl'), dataDir, logFile, asServer);
    cleanup = () => {
      killPostmaster(dataDir);
      rmSync(dir, { recursive: true, force: true });
    };

    const psql = async (sql: string, options: { db?: string } = {}): Promise<string> => {
      const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(port)];
      const result = await mustRun(psqlPath, [...args, '-U', SUPERUSER, '-d', options.db ?? 'postgres'], {
        env: serverEnv(),
        input: sql,
      });
      return result.stdout;
    };

    return {
      host: '127.0.0.1',
      port,
      socketDir,
      superuser: SUPERUSER,
      superPassword,
      binDir,
      psqlPath,
      logFile,
      readLog: () => readFileSync(logFile, 'utf8'),
      psql,
      // psql sends each statement on its own, so the SET is in force before the password is parsed.
      createRole: async (name, password, roleOptions = {}) => {
        const encryption = roleOptions.encryption === 'md5' ? "SET password_encryption = 'md5';\n" : '';
        await psql(`SET log_statement = 'none';\n${encryption}CREATE ROLE ${ident(name)} LOGIN PASSWORD ${literal(password)};\n`);
      },
      createDatabase: async (name, owner) => {
        await psql(`CREATE DATABASE ${ident(name)} OWNER ${ident(owner)};`);
      },
      stop: async () => {
        await run(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], asServer);
        cleanup();
        cleanup = () => {};
      },
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}

function findPsql(binDir: string): string | undefined {
  if (existsSync(join(binDir, 'psql'))) return join(binDir, 'psql');
  return (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'psql'))
    .find((path) => existsSync(path));
}

/**
 * `undefined` when the server can run as the current user, the postgres account's ids when we are
 * root (initdb refuses to run as root), `null` when root and there is no such account.
 */
function runAs(): { uid: number; gid: number } | undefined | null {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${SERVICE_ACCOUNT}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
}

/** The environment without PG* variables, which would point the tools at some other cluster. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { LC_ALL: 'C', LANG: 'C' };
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG') && !(key in env)) env[key] = value;
  }
  return env;
}

async function startOnFreePort(
  pgCtl: string,
  dataDir: string,
  logFile: string,
  options: RunOptions,
): Promise<number> {
  let last = '';
  // Another process may take the port between finding and binding it: try a few.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const result = await run(pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', `-p ${port}`, 'start'], options);
    if (result.code === 0) return port;
    last = `${result.stderr}\n${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : ''}`;
  }
  throw new Error(`pg_ctl start failed:\n${last}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Last resort when a test run dies without stop(): no postmaster may outlive the run. */
function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGQUIT');
  } catch {
    // Not running.
  }
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  input?: string;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const { input, ...spawnOptions } = options;
    const child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

async function mustRun(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}`);
  }
  return result;
}
