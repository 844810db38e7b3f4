import { performance } from 'node:perf_hooks';
import { EnvkitError } from '../errors.js';

/** The outcome of one online check (`envkit check --online`). */
export interface ProbeResult {
  /** What was probed, e.g. `GET http://host:11434/api/version` (credentials and query removed). */
  name: string;
  ok: boolean;
  /** Wall time in milliseconds. */
  ms: number;
  /** What happened, for a person: status, or why it failed. Never contains a secret. */
  message: string;
}

/** Options of {@link probeHttp}. */
export interface ProbeHttpOptions {
  /** Give up after this long (default 3000 ms). */
  timeoutMs?: number;
  /** The probe's name in the result; default `GET <url without credentials and query>`. */
  name?: string;
}

const MAX_BODY = 64 * 1024;

/**
 * `GET url` with a timeout; ok when the answer is 2xx. Never throws: a bad URL, a refused
 * connection, an unknown host or a timeout are results with `ok: false`. The URL's user, password
 * and query (where tokens live) never appear in the result, and neither does the response body.
 *
 * @example
 * const result = await probeHttp('http://127.0.0.1:11434/api/version', { timeoutMs: 2000 });
 * // { name: 'GET http://127.0.0.1:11434/api/version', ok: true, ms: 4, message: 'HTTP 200 OK' }
 */
export async function probeHttp(url: string, options: ProbeHttpOptions = {}): Promise<ProbeResult> {
  const result = await httpGet(url, options);
  return result.probe;
}

/**
 * Checks Ollama: `GET <root>/api/version` (see {@link ollamaVersionUrl}); the message carries the
 * Ollama version when the answer has one.
 */
export async function probeOllama(baseUrl: string, options: ProbeHttpOptions = {}): Promise<ProbeResult> {
  let url: string;
  try {
    url = ollamaVersionUrl(baseUrl);
  } catch {
    return { name: options.name ?? 'Ollama', ok: false, ms: 0, message: 'not an absolute http(s) URL' };
  }
  const { probe, body } = await httpGet(url, { ...options, name: options.name ?? `Ollama ${safeUrl(url)}` });
  if (!probe.ok || body === undefined) return probe;
  let version: unknown;
  try {
    version = (JSON.parse(body) as { version?: unknown }).version;
  } catch {
    version = undefined;
  }
  if (typeof version === 'string' && /^[\w.+-]{1,40}$/.test(version)) {
    return { ...probe, message: `Ollama ${version} (${probe.message})` };
  }
  return { ...probe, ok: false, message: `${probe.message}, but the answer is not Ollama's {"version": …}` };
}

/**
 * The Ollama version endpoint for a base URL. This deployment keeps `/api` in
 * `OLLAMA_API_BASE_URL` (docs/deployment.md); Ollama's own clients use the root. Both work:
 * `http://h:11434/api` → `http://h:11434/api/version`, `http://h:11434` → `http://h:11434/api/version`.
 * A path prefix (a reverse proxy) is kept. Throws a `VALIDATION` EnvkitError for a URL that is not
 * absolute http(s) (the message does not repeat it).
 */
export function ollamaVersionUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new EnvkitError('VALIDATION', 'the Ollama base URL is not an absolute URL', {
      hint: 'write it like http://192.168.25.165:11434/api',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EnvkitError('VALIDATION', 'the Ollama base URL must start with http:// or https://', {
      hint: 'write it like http://192.168.25.165:11434/api',
    });
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = /\/api$/.test(path) ? `${path}/version` : `${path}/api/version`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** The URL without user, password, query and fragment, for names and messages. */
function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString();
  } catch {
    return '(invalid URL)';
  }
}

async function httpGet(url: string, options: ProbeHttpOptions): Promise<{ probe: ProbeResult; body?: string }> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const name = options.name ?? `GET ${safeUrl(url)}`;
  const start = performance.now();
  const elapsed = (): number => Math.round(performance.now() - start);
  let parsed: URL;
  try {
    parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
  } catch {
    return { probe: { name, ok: false, ms: 0, message: 'not an absolute http(s) URL' } };
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (parsed.username !== '' || parsed.password !== '') {
    // fetch refuses URLs with credentials; send them the way a browser would.
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(parsed, { signal, redirect: 'follow', headers });
    const body = await readCapped(response);
    const ms = elapsed();
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    return { probe: { name, ok: response.ok, ms, message: response.ok ? status : `${status} (expected 2xx)` }, body };
  } catch (error) {
    return { probe: { name, ok: false, ms: elapsed(), message: describeFailure(error, timeoutMs) } };
  }
}

/** Reads at most MAX_BODY bytes (a probe needs no more), then drops the connection's rest. */
async function readCapped(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}

/** A failure as words, from the error's code only (an error's own message may quote the URL). */
function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; cause?: { code?: string; name?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = err.cause?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens on that port)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection closed by the server';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `no connection within ${timeoutMs} ms`;
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate not accepted (${code})`;
    default:
      return code ? `request failed (${code})` : 'request failed';
  }
}
