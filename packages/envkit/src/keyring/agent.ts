import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { AGENT_SCRIPT } from './agent-script.js';
import type { KeyringFailure } from './probe.js';

/** One request to the keyring helper process. */
export type AgentRequest =
  | { op: 'probe'; allowKeyutils: boolean }
  | { op: 'read'; service: string; account: string }
  | { op: 'write'; service: string; account: string; value: string }
  | { op: 'remove'; service: string; account: string }
  | { op: 'accounts'; service: string }
  | { op: 'entries'; service: string };

/** Rejection of {@link KeyringAgent.request}: carries the failure, never a value. */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(readonly failure: KeyringFailure) {
    super(failure.kind === 'timeout' ? `no answer within ${failure.timeoutMs} ms` : failure.detail);
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: AgentError) => void;
  timer: NodeJS.Timeout;
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

const STDERR_LIMIT = 2000;

/**
 * The client side of the keyring helper process (see agent-script.ts): one child per open store, requests
 * with a time limit each. A request that runs out of time kills the child: the native call is stuck, and
 * every later request fails at once with the same failure instead of waiting again.
 *
 * The child never keeps the parent alive: its handles are unreferenced, and only a pending request's timer
 * holds the event loop. It exits when the parent closes the channel or dies.
 */
export class KeyringAgent {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #dead: KeyringFailure | undefined;
  #stderr = '';
  readonly #exited: Promise<void>;

  /**
   * Starts the helper with `env` (its whole environment: the native library reads the bus address from it).
   * `modulePath` is the resolved path of `@napi-rs/keyring`.
   */
  constructor(modulePath: string, env: NodeJS.ProcessEnv) {
    const childEnv = { ...env };
    // A loader in NODE_OPTIONS (tsx, a test runner's hooks) would only slow the helper down or break it.
    delete childEnv.NODE_OPTIONS;
    this.#child = spawn(process.execPath, ['-e', AGENT_SCRIPT, modulePath], {
      env: childEnv,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      windowsHide: true,
      serialization: 'json',
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    const stderr = this.#child.stderr as (Readable & { unref?: () => void }) | null;
    stderr?.setEncoding('utf8');
    stderr?.on('data', (chunk: string) => {
      if (this.#stderr.length < STDERR_LIMIT) this.#stderr = (this.#stderr + chunk).slice(0, STDERR_LIMIT);
    });
    stderr?.unref?.();
    this.#child.on('message', (message: Reply) => this.#settle(message));
    this.#child.once('error', (error) => this.#die({ kind: 'exit', detail: `spawn ${process.execPath}: ${error.message}` }));
    this.#child.once('exit', (code, signal) => {
      const tail = this.#stderr.trim().split('\n').slice(-3).join(' | ');
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      this.#die({ kind: 'exit', detail: tail === '' ? `helper ended (${how})` : `helper ended (${how}): ${tail}` });
    });
    this.#child.unref();
    this.#child.channel?.unref();
  }

  /** Sends `request`; rejects with {@link AgentError} on a native error, after `timeoutMs`, or when the child is gone. */
  request(request: AgentRequest, timeoutMs: number): Promise<unknown> {
    if (this.#dead !== undefined) return Promise.reject(new AgentError(this.#dead));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#die({ kind: 'timeout', timeoutMs });
        this.#child.kill('SIGKILL');
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#child.send({ id, ...request }, (error) => {
        if (error) this.#die({ kind: 'exit', detail: `helper channel closed: ${error.message}` });
      });
    });
  }

  /** Ends the child (politely, then by force after `graceMs`) and waits until it is gone. */
  async close(graceMs = 1000): Promise<void> {
    this.#die({ kind: 'exit', detail: 'the keyring store was closed' });
    const child = this.#child;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    if (this.#child.connected) this.#child.disconnect();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  #settle(reply: Reply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(new AgentError({ kind: 'native', detail: reply.error }));
  }

  // The first failure sticks: a timeout followed by the kill's exit event still reports the timeout.
  #die(failure: KeyringFailure): void {
    this.#dead ??= failure;
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new AgentError(this.#dead));
    }
  }
}
