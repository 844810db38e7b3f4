import type { EnvSchema } from '../schema/define.js';
import type { Finding } from '../findings.js';
import type { ProbeResult } from '../compose/probes.js';
import { probeOllama } from '../compose/probes.js';
import { canLogin, targetFromUrl } from '../database/apply-direct.js';
import { parsePostgresUrl } from '../secrets/derive.js';
import { isEnvkitError } from '../errors.js';

/** Options of the online probes. */
export interface OnlineOptions {
  /** Host to reach the database at instead of the URL's (its `db` resolves only inside the compose network). */
  dbHost?: string;
  dbPort?: number;
  /** Per-probe time limit in ms (default 3000). */
  timeoutMs?: number;
  /** The variable holding the database URL (default `MEMU_DB_URL`). */
  urlKey?: string;
  /** The variable holding the Ollama API URL (default `OLLAMA_API_BASE_URL`). */
  ollamaKey?: string;
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
  const tasks: Promise<ProbeResult>[] = [];
  const url = values[urlKey];
  if (urlKey in schema.vars && url) tasks.push(probeDatabase(url, options, timeoutMs));
  const ollama = values[ollamaKey] || schema.vars[ollamaKey]?.default;
  if (ollama) tasks.push(probeOllama(ollama, { timeoutMs }));
  // Whole milliseconds: a duration in --json is read by people and scripts, not by a profiler.
  const probes = (await Promise.all(tasks)).map((p) => ({ ...p, ms: Math.round(p.ms) }));
  const findings: Finding[] = probes
    .filter((p) => !p.ok)
    .map((p) => ({
      severity: 'error' as const,
      rule: p.name.startsWith('database') ? 'online.database' : 'online.ollama',
      message: `${p.name}: ${p.message} (${p.ms} ms)`,
      fix: p.name.startsWith('database')
        ? 'is the db container up and its port reachable from here? use --db-host/--db-port; if the password was refused, .env and the database disagree (see `envkit rotate --help`)'
        : `is Ollama running and reachable from this host? check ${ollamaKey}`,
    }));
  return { probes, findings };
}

async function probeDatabase(url: string, options: OnlineOptions, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  let name = 'database';
  try {
    const target = targetFromUrl(url, { ...(options.dbHost ? { host: options.dbHost } : {}), ...(options.dbPort ? { port: options.dbPort } : {}) });
    name = `database ${target.user}@${target.host}:${target.port}/${target.database}`;
    const result = await canLogin(target, parsePostgresUrl(url).password, { timeoutMs });
    const ms = performance.now() - started;
    return result.ok
      ? { name, ok: true, ms, message: 'logged in, SELECT 1 answered' }
      : { name, ok: false, ms, message: `${result.reason === 'auth' ? 'password refused' : result.reason === 'unreachable' ? 'unreachable' : 'failed'}: ${result.message}` };
  } catch (error) {
    return { name, ok: false, ms: performance.now() - started, message: isEnvkitError(error) ? error.message : 'failed' };
  }
}
