import { existsSync } from 'node:fs';
import { EnvkitError } from '../errors.js';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { AgentError, KeyringAgent } from './agent.js';
import type { AgentRequest } from './agent.js';
import { withHistory } from './history.js';
import { diagnoseKeyringFailure, isSecretServicePlatform, keyringError, preflightSessionBus } from './probe.js';
import type { DiagnosisContext, KeyringDiagnosis, KeyringFailure, KeyringProblem } from './probe.js';
import type { CredentialBackend, SecretStore } from './store.js';

/** Options of {@link openOsStore} and {@link keyringStatus}. */
export interface OsStoreOptions {
  /**
   * On Linux, accept the kernel keyutils store when no Secret Service exists. Off by default: keyutils
   * entries expire and vanish at reboot, and containers usually refuse it.
   */
  allowKeyutils?: boolean;
  /** Limit for starting the helper and the probe round trip, in ms (default 3000). */
  probeTimeoutMs?: number;
  /** Limit for each later keyring operation, in ms (default 10000). */
  operationTimeoutMs?: number;
  /**
   * The environment the keyring sees (default `process.env`), `DBUS_SESSION_BUS_ADDRESS` above all.
   * It is passed whole to the helper process, so a test can point one store at a private bus without
   * touching `process.env`.
   */
  env?: NodeJS.ProcessEnv;
}

/** An open OS keyring. Close it to end its helper process early; it also ends with the parent process. */
export interface OsSecretStore extends SecretStore {
  /** What the probe cost, in ms (helper start, module load, one write-read-delete round trip). */
  readonly probeMs: number;
  /** Ends the helper process. Later operations reject with a USAGE error. */
  close(): Promise<void>;
}

/** Result of {@link keyringStatus}. */
export interface KeyringStatus {
  available: boolean;
  /** The store in use, when available: `secret-service`, `keychain`, `windows` or `keyutils`. */
  backend?: string;
  /** Why not, when unavailable. */
  problem?: KeyringProblem;
  /** One sentence, when unavailable. */
  reason?: string;
  /** The fix, when unavailable. */
  hint?: string;
  /** How long the check took, in ms. */
  probeMs: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 3000;
const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;

type Opened =
  | { ok: true; store: OsSecretStore }
  | { ok: false; diagnosis: KeyringDiagnosis; cause: unknown; probeMs: number };

/**
 * Opens the OS keyring: macOS Keychain, Windows Credential Manager, or on Linux the Secret Service
 * (keyutils only with `allowKeyutils`), through @napi-rs/keyring.
 *
 * The native module never runs in this process: a helper process loads it and first proves the keyring
 * works with a write-read-delete of a random dummy value, within `probeTimeoutMs`. Every failure —
 * no bus, no Secret Service, no default keyring, locked, stuck bus, missing module — becomes one
 * `EnvkitError('KEYRING')` whose message says what is wrong and whose hint says how to fix it.
 *
 * @example
 * const store = await openOsStore();
 * try { await store.set('memu', 'POSTGRES_PASSWORD', password); } finally { await store.close(); }
 */
export async function openOsStore(options: OsStoreOptions = {}): Promise<OsSecretStore> {
  const opened = await open(options);
  if (opened.ok) return opened.store;
  throw keyringError(opened.diagnosis, 'unavailable', opened.cause);
}

/**
 * Whether the OS keyring can be used, and if not why and how to fix it. Never throws for an unusable
 * keyring; runs the same probe as {@link openOsStore} and ends the helper afterwards.
 */
export async function keyringStatus(options: OsStoreOptions = {}): Promise<KeyringStatus> {
  const opened = await open(options);
  if (!opened.ok) {
    const { problem, reason, hint } = opened.diagnosis;
    return { available: false, problem, reason, hint, probeMs: opened.probeMs };
  }
  await opened.store.close();
  return { available: true, backend: opened.store.backend, probeMs: opened.store.probeMs };
}

async function open(options: OsStoreOptions): Promise<Opened> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const allowKeyutils = options.allowKeyutils ?? false;
  const context: DiagnosisContext = { platform: process.platform };
  if (env.DBUS_SESSION_BUS_ADDRESS) context.busAddress = env.DBUS_SESSION_BUS_ADDRESS;
  const fail = (failure: KeyringFailure, cause: unknown = undefined): Opened => ({
    ok: false,
    diagnosis: diagnoseKeyringFailure(failure, context),
    cause,
    probeMs: performance.now() - started,
  });

  if (isSecretServicePlatform(process.platform) && !allowKeyutils) {
    const preflight = preflightSessionBus(env, existsSync);
    if (preflight !== undefined) return fail(preflight);
  }

  let modulePath: string;
  try {
    modulePath = createRequire(import.meta.url).resolve('@napi-rs/keyring');
  } catch (error) {
    return fail({ kind: 'exit', detail: 'ENVKIT_LOAD: Cannot find module @napi-rs/keyring' }, error);
  }

  const agent = new KeyringAgent(modulePath, env);
  let backend: string;
  try {
    backend = String(await agent.request({ op: 'probe', allowKeyutils }, options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS));
  } catch (error) {
    await agent.close();
    if (error instanceof AgentError) return fail(error.failure, error);
    throw error;
  }
  context.backend = backend;
  const probeMs = performance.now() - started;

  const timeoutMs = options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS;
  let closed = false;
  const call = async (request: AgentRequest, doing: string): Promise<unknown> => {
    if (closed) {
      throw new EnvkitError('USAGE', 'the OS keyring store was closed', { hint: 'open it again with openOsStore()' });
    }
    try {
      return await agent.request(request, timeoutMs);
    } catch (error) {
      if (!(error instanceof AgentError)) throw error;
      throw keyringError(diagnoseKeyringFailure(error.failure, context), doing, error);
    }
  };
  const raw: CredentialBackend = {
    backend,
    read: async (service, account) => {
      const value = await call({ op: 'read', service, account }, `failed reading ${account} (${service})`);
      return typeof value === 'string' ? value : undefined;
    },
    write: async (service, account, value) => {
      await call({ op: 'write', service, account, value }, `failed writing ${account} (${service})`);
    },
    remove: async (service, account) =>
      (await call({ op: 'remove', service, account }, `failed removing ${account} (${service})`)) === true,
  };
  // keyutils cannot enumerate; everything else lists through the platform's search.
  if (backend !== 'keyutils') {
    raw.accounts = async (service) => {
      const accounts = await call({ op: 'accounts', service }, `failed listing ${service}`);
      return Array.isArray(accounts) ? accounts.filter((account): account is string => typeof account === 'string') : [];
    };
  }
  // On the Secret Service a read is that same search, so one listing with the values reads every key at once
  // (docs/keyring.md); elsewhere keys are read one by one, each failing as it should.
  if (backend === 'secret-service') {
    raw.entries = async (service) => {
      const pairs = await call({ op: 'entries', service }, `failed listing ${service}`);
      const found = new Map<string, string>();
      if (Array.isArray(pairs)) {
        // Of several items with one account (another tool's, with attributes of its own), the first, as `read` takes it.
        for (const pair of pairs) if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string' && !found.has(pair[0])) found.set(pair[0], pair[1]);
      }
      return found;
    };
  }
  const close = async (): Promise<void> => {
    closed = true;
    await agent.close();
  };
  const store = Object.assign(withHistory(raw), { probeMs, close });
  return { ok: true, store };
}
