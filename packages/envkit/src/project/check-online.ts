import type { EnvSchema } from '../schema/define.js';
import type { Finding, FindingHint } from '../findings.js';
import type { ProbeResult } from '../compose/probes.js';
import { probeOllama } from '../compose/probes.js';
import { canLogin, targetFromUrl } from '../database/apply-direct.js';
import { parsePostgresUrl } from '../secrets/derive.js';
import { isEnvkitError } from '../errors.js';
import type { ConnectionSecurity } from '../database/tls.js';

/** Options of the online probes. */
export interface OnlineOptions {
  /** Host to reach the database at instead of the URL's (its `db` resolves only inside the compose network). */
  dbHost?: string;
  dbPort?: number;
  /** TLS and password methods, before the URL's sslmode/sslrootcert and PGSSLMODE/PGSSLROOTCERT of `env`. */
  dbSecurity?: ConnectionSecurity;
  /** Where PGSSLMODE/PGSSLROOTCERT are read (default: none). */
  env?: NodeJS.ProcessEnv;
  /** A relative CA file path is taken from here (default: the process's directory). */
  cwd?: string;
  /** Per-probe time limit in ms (default 3000). */
  timeoutMs?: number;
  /** The variable holding the database URL (default: the schema profile's, memu's `MEMU_DB_URL`; none: not probed). */
  urlKey?: string;
  /** The variable holding the Ollama API URL (default: the schema profile's, memu's `OLLAMA_API_BASE_URL`; none: not probed). */
  ollamaKey?: string;
  /**
   * The compose file's service names: a URL whose host is one of them resolves only inside the compose
   * network, so it is not probed from this host (a note says how to reach it instead).
   */
  composeServices?: readonly string[];
}

/** Log in to the database with the env's credentials (`SELECT 1`) and ask Ollama for its version. */
export async function onlineProbes(
  schema: EnvSchema,
  values: Readonly<Record<string, string>>,
  options: OnlineOptions,
): Promise<{ probes: ProbeResult[]; findings: Finding[] }> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const urlKey = options.urlKey ?? schema.profile?.database?.keys.url;
  const ollamaKey = options.ollamaKey ?? schema.profile?.ollamaKey;
  const tasks: Promise<DatabaseProbe>[] = [];
  const notes: Finding[] = [];
  const services = new Set(options.composeServices ?? []);
  const insideOnly = (key: string, value: string, how: string, hint: FindingHint): boolean => {
    const host = hostOf(value);
    if (host === undefined || !services.has(host)) return false;
    notes.push({
      severity: 'info',
      rule: 'online.compose-host',
      key,
      message: `${key} names the compose service "${host}", which resolves only inside the compose network: not probed from this host`,
      fix: how,
      hint,
    });
    return true;
  };
  const url = urlKey === undefined ? undefined : values[urlKey];
  const reachDatabase = 'reach it by a published port or the container address, or log in through the container';
  if (urlKey !== undefined && urlKey in schema.vars && url && (options.dbHost !== undefined || !insideOnly(urlKey, url, reachDatabase, { code: 'database-inside-compose' }))) {
    tasks.push(probeDatabase(url, options, timeoutMs));
  }
  const ollama = ollamaKey === undefined ? undefined : values[ollamaKey] || schema.vars[ollamaKey]?.default;
  if (ollamaKey !== undefined && ollama && !insideOnly(ollamaKey, ollama, 'ask Ollama from inside the app container', { code: 'ask-from-app', key: ollamaKey })) {
    tasks.push(probeOllama(ollama, { timeoutMs }));
  }
  // Whole milliseconds: a duration in --json is read by people and scripts, not by a profiler.
  const results = (await Promise.all(tasks)).map((p) => ({ ...p, ms: Math.round(p.ms) }));
  const findings: Finding[] = [...notes, ...results
    .filter((p) => !p.ok)
    .map((p): Finding => {
      const database = p.name.startsWith('database');
      const message = `${p.name}: ${p.message} (${p.ms} ms)`;
      const reason = p.refusal?.reason === undefined ? {} : { reason: p.refusal.reason };
      // A refusal (the server's security, not its reachability) carries its own hint.
      if (p.refusal?.hint !== undefined) return { severity: 'error', rule: database ? 'online.database' : 'online.ollama', message, fix: p.refusal.hint, ...reason };
      return database
        ? {
            severity: 'error',
            rule: 'online.database',
            message,
            fix: 'is the database container up and its port reachable from here? if the password was refused, .env and the database disagree',
            ...reason,
            hint: { code: 'database-login-failed' },
          }
        : { severity: 'error', rule: 'online.ollama', message, fix: `is Ollama running and reachable from this host? check ${ollamaKey}`, ...reason };
    })];
  const probes = results.map(({ refusal: _refusal, ...probe }) => probe);
  return { probes, findings };
}

/** The host of a URL, lower-cased; `undefined` when it is not a URL. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

const FAILURE_WORDS = { auth: 'password refused', unreachable: 'unreachable', rejected: 'rejected by pg_hba.conf', other: 'failed' } as const;

/** A probe's result; `refusal`: the hint and reason of the EnvkitError that stopped it (TLS, password method). */
type DatabaseProbe = ProbeResult & { refusal?: { hint: string | undefined; reason: string | undefined } };

async function probeDatabase(url: string, options: OnlineOptions, timeoutMs: number): Promise<DatabaseProbe> {
  const started = performance.now();
  let name = 'database';
  try {
    const target = targetFromUrl(url, {
      ...(options.dbHost ? { host: options.dbHost } : {}),
      ...(options.dbPort ? { port: options.dbPort } : {}),
      ...(options.dbSecurity === undefined ? {} : { security: options.dbSecurity }),
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    name = `database ${target.user}@${target.host}:${target.port}/${target.database}`;
    const result = await canLogin(target, parsePostgresUrl(url).password, { timeoutMs });
    const ms = performance.now() - started;
    return result.ok
      ? { name, ok: true, ms, message: 'logged in, SELECT 1 answered' }
      : { name, ok: false, ms, message: `${FAILURE_WORDS[result.reason]}: ${result.message}` };
  } catch (error) {
    const ms = performance.now() - started;
    if (!isEnvkitError(error)) return { name, ok: false, ms, message: 'failed' };
    return { name, ok: false, ms, message: error.message, refusal: { hint: error.hint, reason: error.reason } };
  }
}
