// `envkit run` forwards signals from the moment its command exists: the handlers are in place when spawn()
// is called, so a signal that comes while the command starts is passed on instead of killing envkit by its
// default action and orphaning the command. (The end-to-end forwarding is tested in test/age/run.test.ts;
// the ordering is asserted here, where it does not depend on how a loaded machine schedules the two.)
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { memuSchema } from 'envkit/memu';
import { testdir } from '../../../../test/helpers/testdir.js';
import { memuEnvText } from '../../../../test/reliability/support.js';
import type { Context } from '../context.js';

const seen = vi.hoisted(() => ({ listenersAtSpawn: [] as number[], killed: [] as string[] }));
vi.mock('node:child_process', () => ({
  spawn: () => {
    seen.listenersAtSpawn.push(process.listenerCount('SIGTERM'));
    const child = Object.assign(new EventEmitter(), { kill: (signal: string) => seen.killed.push(signal) });
    setImmediate(() => child.emit('exit', 0, null));
    return child;
  },
}));

const { run } = await import('./run.js');

describe('envkit run', () => {
  it('has its signal handlers in place when it spawns the command, and removes them when the command exits', async () => {
    const dir = testdir({ '.env': memuEnvText() });
    const ctx = { cwd: dir, envFile: '.env', environment: undefined, io: { env: {} }, loadSchema: async () => memuSchema, err: () => undefined } as unknown as Context;
    const before = process.listenerCount('SIGTERM');
    expect(await run(ctx, ['some-command'])).toBe(0);
    expect(seen.listenersAtSpawn).toEqual([before + 1]);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
