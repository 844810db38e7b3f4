import type { EnvSchema } from '../schema/define.js';
import type { Finding } from '../findings.js';
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
  /** The variable holding the database URL (default `MEMU_DB_URL`). */
  urlKey?: string;
  /** The variable holding the Ollama API URL (default `OLLAMA_API_BASE_URL`). */
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
  const urlKey = options.urlKey ?? 'MEMU_DB_URL';
  const ollamaKey = options.ollamaKey ?? 'OLLAMA_API_BASE_URL';
  const tasks: Promise<DatabaseProbe>[] = [];
  const notes: Finding[] = [];
  const services = new Set(options.composeServices ?? []);
  const insideOnly = (key: string, value: string, how: string): boolean => {
    const host = hostOf(value);
    if (host === undefined || !services.has(host)) return false;
    notes.push({
      severity: 'info',
      rule: 'online.compose-host',
      key,
      message: `${key} names the compose service "${host}", which resolves only inside the compose network: not probed from this host`,
      fix: how,
    });
    return true;
  };
  const url = values[urlKey];
  if (urlKey in schema.vars && url && (options.dbHost !== undefined || !insideOnly(urlKey, url, 'give --db-host/--db-port (a published port or the container address), or run `envkit status`, which logs in through the container'))) {
    tasks.push(probeDatabase(url, options, timeoutMs));
  }
  const ollama = values[ollamaKey] || schema.vars[ollamaKey]?.default;
  if (ollama && !insideOnly(ollamaKey, ollama, 'run `envkit status`: it asks Ollama from inside the app container')) tasks.push(probeOllama(ollama, { timeoutMs }));
  // Whole milliseconds: a duration in --json is read by people and scripts, not by a profiler.
  const results = (await Promise.all(tasks)).map((p) => ({ ...p, ms: Math.round(p.ms) }));
  const findings: Finding[] = [...notes, ...results
    .filter((p) => !p.ok)
    .map((p) => ({
      severity: 'error' as const,
      rule: p.name.startsWith('database') ? 'online.database' : 'online.ollama',
      message: `${p.name}: ${p.message} (${p.ms} ms)`,
      fix: p.refusal?.hint ?? (p.name.startsWith('database')
        ? 'is the db container up and its port reachable from here? use --db-host/--db-port; if the password was refused, .env and the database disagree (see `envkit rotate --help`)'
        : `is Ollama running and reachable from this host? check ${ollamaKey}`),
      ...(p.refusal?.reason === undefined ? {} : { reason: p.refusal.reason }),
    }))];
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
