import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, startPostgres, type PgCluster } from '../../../../test/helpers/postgres.js';
import { requireTool } from '../../../../test/helpers/require.js';
import { hasOpenssl, makeCa, makeServerCert, type ServerCert } from '../../../../test/helpers/tls.js';
import { EnvkitError, isEnvkitError } from '../errors.js';
import { applyPasswordDirect, canLogin, targetFromUrl, type DirectTarget } from './apply-direct.js';
import { rejected } from '../../../../test/helpers/errors.js';

const failure = rejected;

/** Everything an error could show the user, cause included. */
function shown(error: EnvkitError): string {
  return `${error.message}\n${error.hint ?? ''}\n${String(error.cause)}\n${JSON.stringify(error.cause)}`;
}

/** Every password this file uses: none may appear in a message or in the server log. */
const passwords: string[] = [];
function password(label: string): string {
  const value = `${label}-${Math.random().toString(36).slice(2)}-Xk7`;
  passwords.push(value);
  return value;
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('targetFromUrl', () => {
  const url = 'postgresql+psycopg://memu_production_user:s3cr%40t-value@db:5432/memu_db';

  it('takes user, database, host and port from the URL and drops the password', () => {
    const target = targetFromUrl(url);
    // libpq's default security: TLS when the server offers it (prefer), SCRAM only.
    expect(target).toEqual({ host: 'db', port: 5432, user: 'memu_production_user', database: 'memu_db', security: { sslmode: 'prefer' } });
    expect(JSON.stringify(target)).not.toContain('s3cr');
  });

  it('lets --db-host/--db-port override the compose service address', () => {
    expect(targetFromUrl(url, { host: '127.0.0.1', port: 15432 })).toEqual({
      host: '127.0.0.1',
      port: 15432,
      user: 'memu_production_user',
      database: 'memu_db',
      security: { sslmode: 'prefer' },
    });
    expect(() => targetFromUrl(url, { port: 0 })).toThrow(/1 to 65535/);
    expect(() => targetFromUrl(url, { host: '' })).toThrow(/host/);
  });

  it('refuses a URL it cannot read without repeating it', () => {
    let caught: unknown;
    try {
      targetFromUrl('mysql://root:do-not-echo-me@db/memu');
    } catch (error) {
      caught = error;
    }
    expect(isEnvkitError(caught, 'VALIDATION')).toBe(true);
    expect(shown(caught as EnvkitError)).not.toContain('do-not-echo-me');
  });
});

describe('canLogin without a server', () => {
  it('reports a closed port as unreachable', async () => {
    const result = await canLogin({ host: '127.0.0.1', port: await closedPort(), user: 'u', database: 'd' }, 'pw-1234');
    expect(result).toMatchObject({ ok: false, reason: 'unreachable' });
    expect(result.ok === false && result.message).toMatch(/ECONNREFUSED/);
  });

  it('gives up on a server that never answers, as unreachable', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const result = await canLogin({ host: '127.0.0.1', port, user: 'u', database: 'd' }, 'pw-1234', {
        timeoutMs: 300,
      });
      expect(result).toMatchObject({ ok: false, reason: 'unreachable' });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

/** A protocol message: type byte, length, body. */
function pgMessage(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function pgInt32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value);
  return out;
}

function pgError(severity: string, code: string, text: string): Buffer {
  return pgMessage('E', Buffer.from(`S${severity}\0V${severity}\0C${code}\0M${text}\0\0`));
}

/**
 * Just enough of a PostgreSQL server: declines TLS, answers the startup message with `greet`, then hands each
 * message to `answer` (return false to stop reading).
 */
async function fakeServer(
  greet: Buffer,
  answer: (socket: Socket, type: string, body: Buffer) => boolean,
  tls?: ServerCert,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const serve = (socket: Socket): void => {
    sockets.push(socket);
    let buffer = Buffer.alloc(0);
    let started = false;
    socket.on('error', () => {});
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8 || buffer.length < buffer.readInt32BE(0)) return;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(buffer.readInt32BE(0));
          if (code === 80877103) {
            if (tls === undefined) {
              socket.write('N'); // no SSL
              continue;
            }
            // Yes to SSL: the startup message and the rest arrive inside TLS.
            socket.off('data', onData);
            socket.write('S');
            serve(new TLSSocket(socket, { isServer: true, cert: tls.cert, key: tls.key }));
            return;
          }
          started = true;
          socket.write(greet);
          continue;
        }
        if (buffer.length < 5 || buffer.length < buffer.readInt32BE(1) + 1) return;
        const type = String.fromCharCode(buffer[0]!);
        const body = buffer.subarray(5, buffer.readInt32BE(1) + 1);
        buffer = buffer.subarray(buffer.readInt32BE(1) + 1);
        if (type === 'X') {
          socket.end();
          return;
        }
        if (!answer(socket, type, body)) return;
      }
    };
    socket.on('data', onData);
  };
  const server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A server that asks for a cleartext password and quotes it back in an error: at login (`auth`) or, after
 * accepting it, in the answer to the first query (`query`). A proxy or a patched server could do this;
 * envkit must not pass the quote on.
 */
function echoingServer(mode: 'auth' | 'query', options: { code?: string; tls?: ServerCert } = {}): Promise<{ port: number; close(): Promise<void> }> {
  let heard = '';
  return fakeServer(pgMessage('R', pgInt32(3)) /* AuthenticationCleartextPassword */, (socket, type, body) => {
    if (type === 'p') {
      heard = body.toString('utf8').replace(/\0$/, '');
      if (mode === 'auth') {
        socket.end(pgError('FATAL', options.code ?? '28P01', `password "${heard}" is not the one for this user`));
        return false;
      }
      socket.write(Buffer.concat([pgMessage('R', pgInt32(0)), pgMessage('Z', Buffer.from('I'))]));
    } else if (type === 'Q') {
      socket.write(Buffer.concat([pgError('ERROR', '42501', `permission denied; you logged in with "${heard}"`), pgMessage('Z', Buffer.from('I'))]));
    }
    return true;
  }, options.tls);
}

/** Everything of an error and its causes that a log or a debugger could show. */
function causeChain(error: unknown): string[] {
  const out: string[] = [];
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    out.push(e instanceof Error ? `${e.message}\n${e.stack ?? ''}\n${JSON.stringify(e)}` : String(e));
    if (out.length > 10) break;
  }
  return out;
}

describe('applyPasswordDirect against a server that quotes the password back', () => {
  it.each(['auth', 'query'] as const)('keeps it out of the message and of every cause (%s)', async (mode) => {
    const server = await echoingServer(mode);
    try {
      const current = password('current');
      const next = password('next');
      // The echo needs a password sent in cleartext: allowed here (the opt-in), refused by default (see below).
      const target = { host: '127.0.0.1', port: server.port, user: 'u', database: 'd', security: { allowInsecureAuth: true } };
      const error = await failure(applyPasswordDirect(target, current, next, { timeoutMs: 5_000 }));
      expect(error.code).toBe('DATABASE');
      // The quote arrived and was redacted in the message.
      expect(error.message).toMatch(mode === 'auth' ? /password "<redacted>" is not the one/ : /you logged in with "<redacted>"/);
      const chain = causeChain(error);
      expect(chain.length).toBe(2);
      expect(chain[1]).toContain('<redacted>');
      for (const secret of [current, next]) expect(chain.join('\n')).not.toContain(secret);
    } finally {
      await server.close();
    }
  });
});

describe.runIf(hasOpenssl())('applyPasswordDirect against a TLS server that quotes the password back', () => {
  it('keeps it out of an error that looks like a TLS failure (a SQLSTATE with "SSL" in it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'envkit-tls-echo-'));
    try {
      const server = await echoingServer('auth', { code: 'SSL01', tls: makeServerCert(dir, makeCa(dir, 'ca'), ['127.0.0.1']) });
      try {
        const current = password('current');
        const target = { host: '127.0.0.1', port: server.port, user: 'u', database: 'd', security: { sslmode: 'require' as const, allowInsecureAuth: true } };
        const error = await failure(applyPasswordDirect(target, current, password('next'), { timeoutMs: 5_000 }));
        expect(error.code).toBe('DATABASE');
        expect(error.message).toMatch(/password "<redacted>" is not the one/);
        for (const secret of passwords) expect(causeChain(error).join('\n')).not.toContain(secret);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a server that asks for the password in cleartext', () => {
  it('gets nothing without the opt-in: an insecure-auth refusal before any password is sent', async () => {
    const server = await echoingServer('auth');
    try {
      const current = password('current');
      const target = { host: '127.0.0.1', port: server.port, user: 'u', database: 'd' };
      const error = await failure(applyPasswordDirect(target, current, password('next'), { timeoutMs: 5_000 }));
      expect(error).toMatchObject({ code: 'DATABASE', reason: 'insecure-auth' });
      expect(error.message).toBe(`PostgreSQL at 127.0.0.1:${server.port} asked for the password in cleartext (pg_hba.conf method "password"); envkit sends a password only through SCRAM-SHA-256, and sent nothing`);
      // The server quotes back what it heard: nothing, or the refusal would say "password "<redacted>"".
      await expect(canLogin(target, current, { timeoutMs: 5_000 })).rejects.toMatchObject({ reason: 'insecure-auth' });
    } finally {
      await server.close();
    }
  });
});

describe('a server that ends SCRAM without its own proof', () => {
  it('is refused: it has not shown that it knows the password', async () => {
    // SASL with SCRAM-SHA-256, a server-first message for the client's nonce, then AuthenticationOk and
    // ReadyForQuery where PostgreSQL sends its signature (AuthenticationSASLFinal).
    const server = await fakeServer(pgMessage('R', Buffer.concat([pgInt32(10), Buffer.from('SCRAM-SHA-256\0\0')])), (socket, type, body) => {
      if (type !== 'p') return true;
      const text = body.toString('latin1');
      const nonce = /r=([^,\0]+)/.exec(text)?.[1];
      if (text.startsWith('SCRAM-SHA-256\0') && nonce) {
        const first = `r=${nonce}server-nonce,s=${Buffer.from('salt-salt-salt').toString('base64')},i=4096`;
        socket.write(pgMessage('R', Buffer.concat([pgInt32(11), Buffer.from(first)])));
      } else {
        socket.write(Buffer.concat([pgMessage('R', pgInt32(0)), pgMessage('Z', Buffer.from('I'))]));
      }
      return true;
    });
    try {
      const target = { host: '127.0.0.1', port: server.port, user: 'u', database: 'd' };
      await expect(canLogin(target, password('current'), { timeoutMs: 5_000 })).rejects.toMatchObject({
        code: 'DATABASE',
        reason: 'scram-unproven',
        message: `PostgreSQL at 127.0.0.1:${server.port} ended SCRAM authentication without proving that it knows the password`,
      });
    } finally {
      await server.close();
    }
  });
});

const withPostgres = requireTool('PostgreSQL (initdb)', hasPostgres(), 'apt-get install postgresql');

describe.runIf(withPostgres)('canLogin and applyPasswordDirect against PostgreSQL', () => {
  let pg: PgCluster;
  const user = 'memu_production_user';
  let current: string;
  let target: DirectTarget;

  beforeAll(async () => {
    pg = await startPostgres();
    current = password('initial');
    await pg.createRole(user, current);
    await pg.createDatabase('memu_db', user);
    target = { host: pg.host, port: pg.port, user, database: 'memu_db' };
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('tells a right password from a wrong one', async () => {
    expect(await canLogin(target, current)).toEqual({ ok: true });
    const wrong = password('wrong');
    const result = await canLogin(target, wrong);
    expect(result).toMatchObject({ ok: false, reason: 'auth' });
    expect(result.ok === false && result.message).toMatch(/password authentication failed for user "memu_production_user"/);
    expect(JSON.stringify(result)).not.toContain(wrong);
  });

  it('calls a missing database "other", not an auth failure', async () => {
    const result = await canLogin({ ...target, database: 'no_such_db' }, current);
    expect(result).toMatchObject({ ok: false, reason: 'other' });
    expect(result.ok === false && result.message).toMatch(/database "no_such_db" does not exist/);
  });

  it('changes the password with the current one: old refused, new accepted', async () => {
    const next = password('rotated');
    await applyPasswordDirect(target, current, next);
    expect(await canLogin(target, next)).toEqual({ ok: true });
    expect(await canLogin(target, current)).toMatchObject({ ok: false, reason: 'auth' });
    current = next;
  });

  it.each(['memu-user', 'Mixed"Quote'])('changes another role that needs quoting (%s) as superuser', async (role) => {
    await pg.createRole(role, password('before'));
    const next = password('quoted');
    await applyPasswordDirect({ ...target, user: pg.superuser, database: 'postgres' }, pg.superPassword, next, {
      role,
    });
    expect(await canLogin({ ...target, user: role, database: 'postgres' }, next)).toEqual({ ok: true });
  });

  it('says .env does not hold what the database has when the current password is refused', async () => {
    const stale = password('stale');
    const next = password('never-set');
    const error = await failure(applyPasswordDirect(target, stale, next));
    expect(error.code).toBe('DATABASE');
    expect(error.message).toMatch(/refused the current password for user "memu_production_user"/);
    expect(error.message).toMatch(/password authentication failed/);
    expect(error.hint).toMatch(/POSTGRES_PASSWORD in \.env is not what the database has/);
    expect(shown(error)).not.toContain(stale);
    expect(shown(error)).not.toContain(next);
    expect(await canLogin(target, current)).toEqual({ ok: true });
  });

  it('points at --db-host/--db-port when nothing listens', async () => {
    const next = password('unreachable');
    const error = await failure(applyPasswordDirect({ ...target, port: await closedPort() }, current, next));
    expect(error.code).toBe('DATABASE');
    expect(error.message).toMatch(/could not reach PostgreSQL at 127\.0\.0\.1:\d+/);
    // The CLI names its flags for this reason (--db-host/--db-port: packages/cli/src/render/reasons.test.ts).
    expect(error.reason).toBe('host-unreachable');
    expect(error.hint).toMatch(/check the host and port/);
    expect(shown(error)).not.toContain(current);
    expect(shown(error)).not.toContain(next);
  });

  it('reports an ALTER ROLE the connecting user may not run', async () => {
    const next = password('forbidden');
    const error = await failure(applyPasswordDirect(target, current, next, { role: 'memu-user' }));
    expect(error.code).toBe('DATABASE');
    expect(error.message).toMatch(/refused to change the password of role "memu-user": permission denied/);
    expect(error.hint).toMatch(/CREATEROLE/);
    expect(shown(error)).not.toContain(next);
    expect(shown(error)).not.toMatch(/SCRAM-SHA-256\$4096:[A-Za-z0-9]/);
  });

  it('never let a plaintext password reach the server log (log_statement = all)', () => {
    const serverLog = pg.readLog();
    expect(serverLog).toMatch(/statement: ALTER ROLE "memu_production_user" WITH PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(serverLog).toContain('password authentication failed for user "memu_production_user"');
    expect(passwords.length).toBeGreaterThan(6);
    for (const value of passwords) expect(serverLog).not.toContain(value);
    expect(serverLog).not.toContain(pg.superPassword);
  });
});
