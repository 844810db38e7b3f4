import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isEnvkitError } from '../errors.js';
import { ollamaVersionUrl, probeHttp, probeOllama } from './probes.js';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A server on a free loopback port; resolves to its base URL. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Ollama's routes, as far as envkit uses them. */
const ollama = (req: IncomingMessage, res: ServerResponse): void => {
  if (req.url === '/api/version') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.5.1"}');
  } else if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('Ollama is running');
  } else {
    res.writeHead(404).end('404 page not found');
  }
};

describe('probeHttp', () => {
  it('is ok for a 2xx answer, with timing', async () => {
    const base = await serve(ollama);
    const result = await probeHttp(`${base}/api/version`);
    expect(result).toMatchObject({ ok: true, name: `GET ${base}/api/version`, message: 'HTTP 200 OK' });
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(result.ms).toBeLessThan(3000);
  });

  it('is not ok for a 404', async () => {
    const base = await serve(ollama);
    const result = await probeHttp(`${base}/nope`);
    expect(result).toMatchObject({ ok: false, message: 'HTTP 404 Not Found (expected 2xx)' });
  });

  it('gives up after the timeout when the server never answers', async () => {
    const base = await serve(() => {
      /* never answers */
    });
    const result = await probeHttp(`${base}/api/version`, { timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, message: 'no answer within 200 ms' });
    expect(result.ms).toBeGreaterThanOrEqual(190);
    expect(result.ms).toBeLessThan(2000);
  });

  it('gives up when the server sends headers but never finishes the body', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"version":');
    });
    const result = await probeHttp(base, { timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, message: 'no answer within 200 ms' });
  });

  it('reports a refused connection', async () => {
    const base = await serve(ollama);
    const server = servers.pop() as Server;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await probeHttp(`${base}/api/version`);
    expect(result).toMatchObject({ ok: false, message: 'connection refused (nothing listens on that port)' });
  });

  it('sends URL credentials as Basic auth and never shows them or query tokens', async () => {
    let authorization: string | undefined;
    const base = await serve((req, res) => {
      authorization = req.headers.authorization;
      ollama(req, res);
    });
    const withSecrets = base.replace('http://', 'http://admin:s3cret%40Passw0rd@') + '/nope?token=t0kenValue';
    const result = await probeHttp(withSecrets);
    expect(authorization).toBe(`Basic ${Buffer.from('admin:s3cret@Passw0rd').toString('base64')}`);
    expect(result).toMatchObject({ ok: false, message: 'HTTP 404 Not Found (expected 2xx)' });
    const text = JSON.stringify(result);
    expect(text).not.toContain('Passw0rd');
    expect(text).not.toContain('t0kenValue');
    expect(text).not.toContain('admin');
    expect(result.name).toBe(`GET ${base}/nope`);
  });

  it('reports an invalid URL without throwing', async () => {
    expect(await probeHttp('not a url')).toMatchObject({ ok: false, message: 'not an absolute http(s) URL' });
    expect(await probeHttp('ftp://127.0.0.1/x')).toMatchObject({ ok: false, message: 'not an absolute http(s) URL' });
  });
});

describe('probeOllama', () => {
  it('reads the version from /api/version, with or without /api in the base URL', async () => {
    const base = await serve(ollama);
    for (const url of [`${base}/api`, base, `${base}/api/`]) {
      const result = await probeOllama(url);
      expect(result).toMatchObject({ ok: true, message: 'Ollama 0.5.1 (HTTP 200 OK)' });
    }
  });

  it('is not ok when something else answers 200', async () => {
    const base = await serve((_req, res) => res.writeHead(200).end('<html>router login</html>'));
    const result = await probeOllama(`${base}/api`);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/not Ollama/);
  });
});

describe('ollamaVersionUrl', () => {
  it('keeps /api (this deployment) or adds it (Ollama root URL)', () => {
    expect(ollamaVersionUrl('http://192.168.25.165:11434/api')).toBe('http://192.168.25.165:11434/api/version');
    expect(ollamaVersionUrl('http://192.168.25.165:11434/api/')).toBe('http://192.168.25.165:11434/api/version');
    expect(ollamaVersionUrl('http://192.168.25.165:11434')).toBe('http://192.168.25.165:11434/api/version');
    expect(ollamaVersionUrl('http://192.168.25.165:11434/')).toBe('http://192.168.25.165:11434/api/version');
    expect(ollamaVersionUrl('https://proxy.example/ollama')).toBe('https://proxy.example/ollama/api/version');
    expect(ollamaVersionUrl(' http://h:11434/api?x=1 ')).toBe('http://h:11434/api/version');
  });

  it('throws a VALIDATION error for a URL that is not http(s)', () => {
    for (const bad of ['192.168.25.165:11434/api', 'ftp://h/api', '']) {
      try {
        ollamaVersionUrl(bad);
        expect.unreachable();
      } catch (error) {
        expect(isEnvkitError(error, 'VALIDATION')).toBe(true);
      }
    }
  });
});
