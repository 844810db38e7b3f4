import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError, KeyringAgent } from './agent.js';

// Entries kept in a Map `items` of the fake's own.
const ENTRIES_IN_MEMORY = `exports.AsyncEntry = class {
      constructor(service, account) { this.key = service + '\\0' + account; }
      async setPassword(value) { items.set(this.key, value); }
      async getPassword() { return items.get(this.key); }
      async deleteCredential() { return items.delete(this.key); }
    };`;

// Stand-ins for @napi-rs/keyring with the same exports, to drive the helper into states a real keyring
// reaches only by accident: a silent keyutils fallback, a native call that never returns, a crash.
const FAKES = {
  // A working Secret Service in memory.
  working: `
    const items = new Map();
    exports.findCredentialsAsync = async (service) =>
      [...items].filter(([k]) => k.startsWith(service + '\\0')).map(([k, password]) => ({ account: k.split('\\0')[1], password }));
    ${ENTRIES_IN_MEMORY}`,
  // Entries write somewhere the Secret Service search never sees: what keyutils fallback looks like.
  fallback: `
    const items = new Map();
    exports.findCredentialsAsync = async () => [];
    ${ENTRIES_IN_MEMORY}`,
  // No Secret Service; entries work (the kernel keyutils store, when allowed).
  keyutils: `
    const items = new Map();
    exports.findCredentialsAsync = async () => { throw new Error('no secret service provider or dbus session found'); };
    ${ENTRIES_IN_MEMORY}`,
  // The constructor blocks the thread for good, as on a bus that accepts and never answers.
  blocking: `
    exports.findCredentialsAsync = async () => [];
    exports.AsyncEntry = class {
      constructor() { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); }
    };`,
  // The process dies in the middle of a call.
  crashing: `
    exports.findCredentialsAsync = async () => { process.exit(7); };
    exports.AsyncEntry = class {};`,
  // Errors carry a multi-line native message.
  failing: `
    exports.findCredentialsAsync = async () => {
      throw new Error('zbus error: org.freedesktop.DBus.Error.ServiceUnknown: nope\\n\\nStack backtrace:\\n 0: <unknown>');
    };
    exports.AsyncEntry = class {};`,
} as const;

const dirs: string[] = [];
const agents: KeyringAgent[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function agentWith(fake: keyof typeof FAKES | 'missing'): KeyringAgent {
  const dir = mkdtempSync(join(tmpdir(), 'envkit-agent-'));
  dirs.push(dir);
  const path = join(dir, 'fake-keyring.cjs');
  if (fake !== 'missing') writeFileSync(path, FAKES[fake]);
  const agent = new KeyringAgent(path, { PATH: process.env.PATH });
  agents.push(agent);
  return agent;
}

async function rejection(promise: Promise<unknown>): Promise<AgentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AgentError)) throw new Error(`expected an AgentError, got ${String(error)}`);
  return error;
}

const linuxLike = process.platform !== 'darwin' && process.platform !== 'win32';

describe('KeyringAgent', () => {
  it.runIf(linuxLike)('probes, then reads, writes, lists (with the values) and removes over IPC', async () => {
    const agent = agentWith('working');
    expect(await agent.request({ op: 'probe', allowKeyutils: false }, 5000)).toBe('secret-service');
    const value = 'ünï€ode "quoted"\nsecond line';
    await agent.request({ op: 'write', service: 'envkit:p', account: 'K', value }, 5000);
    expect(await agent.request({ op: 'read', service: 'envkit:p', account: 'K' }, 5000)).toBe(value);
    expect(await agent.request({ op: 'read', service: 'envkit:p', account: 'NONE' }, 5000)).toBeNull();
    expect(await agent.request({ op: 'accounts', service: 'envkit:p' }, 5000)).toEqual(['K']);
    expect(await agent.request({ op: 'entries', service: 'envkit:p' }, 5000)).toEqual([['K', value]]);
    expect(await agent.request({ op: 'remove', service: 'envkit:p', account: 'K' }, 5000)).toBe(true);
    expect(await agent.request({ op: 'remove', service: 'envkit:p', account: 'K' }, 5000)).toBe(false);
  });

  it.runIf(linuxLike)('lists values with the keys only on the Secret Service: elsewhere keys are read one by one', async () => {
    const agent = agentWith('keyutils');
    expect(await agent.request({ op: 'probe', allowKeyutils: true }, 5000)).toBe('keyutils');
    expect(await agent.request({ op: 'accounts', service: 'envkit:p' }, 5000)).toBeNull();
    const error = await rejection(agent.request({ op: 'entries', service: 'envkit:p' }, 5000));
    expect(error.failure).toEqual({ kind: 'native', detail: 'ENVKIT_PROTOCOL: entries only on the Secret Service' });
  });

  it('refuses every operation before the probe', async () => {
    const agent = agentWith('working');
    const error = await rejection(agent.request({ op: 'read', service: 's', account: 'a' }, 5000));
    expect(error.failure).toEqual({ kind: 'native', detail: 'ENVKIT_PROTOCOL: probe first' });
  });

  it.runIf(linuxLike)('catches a write the Secret Service never received (the silent keyutils fallback)', async () => {
    const agent = agentWith('fallback');
    const error = await rejection(agent.request({ op: 'probe', allowKeyutils: false }, 5000));
    expect(error.failure).toMatchObject({ kind: 'native', detail: expect.stringMatching(/^ENVKIT_FALLBACK/) });
  });

  it('kills a helper stuck in a native call after the time limit; later requests fail at once', async () => {
    const agent = agentWith('blocking');
    const started = performance.now();
    const error = await rejection(agent.request({ op: 'probe', allowKeyutils: false }, 2000));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(error.failure).toEqual({ kind: 'timeout', timeoutMs: 2000 });
    const again = performance.now();
    const later = await rejection(agent.request({ op: 'probe', allowKeyutils: false }, 2000));
    expect(performance.now() - again).toBeLessThan(50);
    expect(later.failure).toEqual({ kind: 'timeout', timeoutMs: 2000 });
  });

  it('reports a module that cannot be loaded', async () => {
    const error = await rejection(agentWith('missing').request({ op: 'probe', allowKeyutils: false }, 5000));
    expect(error.failure).toMatchObject({ kind: 'native', detail: expect.stringMatching(/^ENVKIT_LOAD: Cannot find module/) });
  });

  it.runIf(linuxLike)('reports a helper that dies mid-call', async () => {
    const error = await rejection(agentWith('crashing').request({ op: 'probe', allowKeyutils: false }, 5000));
    expect(error.failure).toMatchObject({ kind: 'exit', detail: expect.stringContaining('exit code 7') });
  });

  it.runIf(linuxLike)('passes only the first line of a native error', async () => {
    const error = await rejection(agentWith('failing').request({ op: 'probe', allowKeyutils: false }, 5000));
    expect(error.failure).toEqual({ kind: 'native', detail: 'zbus error: org.freedesktop.DBus.Error.ServiceUnknown: nope' });
  });
});
