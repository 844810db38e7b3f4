import { describe, expect, it } from 'vitest';
import { isEnvkitError } from '../errors.js';
import { diagnoseKeyringFailure, keyringError, preflightSessionBus } from './probe.js';
import type { KeyringProblem } from './probe.js';

const none = (): boolean => false;
const only =
  (...paths: string[]) =>
  (path: string): boolean =>
    paths.includes(path);

describe('preflightSessionBus', () => {
  it('fails without an address or a per-user bus socket', () => {
    expect(preflightSessionBus({}, none)).toEqual({
      kind: 'preflight',
      problem: 'no-bus',
      detail: 'DBUS_SESSION_BUS_ADDRESS is not set',
    });
    expect(preflightSessionBus({ DBUS_SESSION_BUS_ADDRESS: '  ', XDG_RUNTIME_DIR: '/run/user/1' }, none)?.kind).toBe('preflight');
  });

  it('lets the libraries use $XDG_RUNTIME_DIR/bus when the address is unset', () => {
    expect(preflightSessionBus({ XDG_RUNTIME_DIR: '/run/user/1' }, only('/run/user/1/bus'))).toBeUndefined();
  });

  it('fails when every socket file named by the address is missing, naming it', () => {
    const failure = preflightSessionBus({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/tmp/gone,guid=abc' }, none);
    expect(failure).toMatchObject({ problem: 'no-bus' });
    expect(failure && 'detail' in failure ? failure.detail : '').toContain('/tmp/gone');
  });

  it('passes when one of several unix:path transports exists, %-unescaping paths', () => {
    const env = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/tmp/a;unix:path=/tmp/with%20space,guid=1' };
    expect(preflightSessionBus(env, only('/tmp/with space'))).toBeUndefined();
  });

  it.each(['unix:abstract=/tmp/dbus-x,guid=1', 'tcp:host=localhost,port=1234', 'unix:path=/tmp/a;unix:abstract=x'])(
    'leaves %s to the probe',
    (address) => {
      expect(preflightSessionBus({ DBUS_SESSION_BUS_ADDRESS: address }, none)).toBeUndefined();
    },
  );
});

describe('diagnoseKeyringFailure', () => {
  const linux = { platform: 'linux' as const, busAddress: 'unix:path=/tmp/bus' };

  // First lines of the messages @napi-rs/keyring 1.3 produced in this repository's experiments.
  it.each<[string, KeyringProblem]>([
    ['no secret service provider or dbus session found', 'no-bus'],
    ['zbus error: org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files', 'no-service'],
    ["Couldn't access platform storage: AccessDenied", 'no-service'],
    ['ENVKIT_FALLBACK: the value did not reach the Secret Service', 'no-service'],
    ["Couldn't access platform storage: Secret Service: no result found", 'no-keyring'],
    ["Couldn't access platform storage: Secret Service: unlock prompt was dismissed", 'locked'],
    ['zbus error: org.freedesktop.Secret.Error.IsLocked: Cannot get secret of a locked object', 'locked'],
    ['Platform failure: DBus error: Did not receive a reply', 'stuck'],
    ['zbus error: org.freedesktop.DBus.Error.NoReply: Message recipient disconnected from message bus without replying', 'service-died'],
    ['ENVKIT_LOAD: Cannot find module /x/keyring.linux-x64-gnu.node', 'module'],
    ['Platform failure: DBus error: something new', 'failed'],
  ])('%s → %s', (detail, problem) => {
    const diagnosis = diagnoseKeyringFailure({ kind: 'native', detail }, linux);
    expect(diagnosis.problem).toBe(problem);
    // Every hint ends with doing without the keyring; the CLI says it with --no-keyring (render/reasons.test.ts).
    expect(diagnosis.hint).toMatch(/; or do without the keyring$/);
  });

  it('keeps a keyutils refusal as such when keyutils was the chosen store', () => {
    const diagnosis = diagnoseKeyringFailure(
      { kind: 'native', detail: "Couldn't access platform storage: AccessDenied" },
      { ...linux, backend: 'keyutils' },
    );
    expect(diagnosis.problem).toBe('denied');
  });

  it('reports a refused keyutils fallback (allowKeyutils) as denied, with both answers', () => {
    const diagnosis = diagnoseKeyringFailure(
      { kind: 'native', detail: "zbus error: ServiceUnknown; keyutils: Couldn't access platform storage: AccessDenied" },
      linux,
    );
    expect(diagnosis.problem).toBe('denied');
    expect(diagnosis.reason).toContain('keyutils: ');
    expect(diagnosis.hint).toMatch(/start gnome-keyring/);
  });

  it('leaves the guid out of the bus address', () => {
    const diagnosis = diagnoseKeyringFailure({ kind: 'timeout', timeoutMs: 5 }, { platform: 'linux', busAddress: 'unix:path=/b,guid=0123abcd' });
    expect(diagnosis.reason).toContain('at unix:path=/b is stuck');
  });

  it('says what a refused fallback is and how to start a Secret Service', () => {
    const diagnosis = diagnoseKeyringFailure({ kind: 'native', detail: 'ENVKIT_FALLBACK: x' }, linux);
    expect(diagnosis.reason).toMatch(/no Secret Service .*; envkit does not fall back to the kernel keyutils store/);
    expect(diagnosis.hint).toMatch(/gnome-keyring-daemon --start/);
    expect(diagnosis.reason).not.toContain('ENVKIT_');
  });

  it('turns a timeout into stuck, with the time, the bus and the stale-address fix', () => {
    const diagnosis = diagnoseKeyringFailure({ kind: 'timeout', timeoutMs: 3000 }, linux);
    expect(diagnosis.problem).toBe('stuck');
    expect(diagnosis.reason).toContain('within 3000 ms');
    expect(diagnosis.reason).toContain('unix:path=/tmp/bus');
    expect(diagnosis.hint).toMatch(/stale DBUS_SESSION_BUS_ADDRESS/);
  });

  it('puts the preflight detail in the reason', () => {
    const diagnosis = diagnoseKeyringFailure(
      { kind: 'preflight', problem: 'no-bus', detail: 'DBUS_SESSION_BUS_ADDRESS is not set' },
      { platform: 'linux' },
    );
    expect(diagnosis.reason).toBe('no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set');
    expect(diagnosis.hint).toMatch(/dbus-run-session/);
  });

  it('gives platform hints off Linux', () => {
    const diagnosis = diagnoseKeyringFailure({ kind: 'native', detail: 'The keychain is locked' }, { platform: 'darwin' });
    expect(diagnosis.problem).toBe('locked');
    expect(diagnosis.hint).toMatch(/security unlock-keychain/);
  });

  it('classifies a dead helper as crashed and a missing module as module', () => {
    expect(diagnoseKeyringFailure({ kind: 'exit', detail: 'helper ended (signal SIGSEGV)' }, linux).problem).toBe('crashed');
    expect(diagnoseKeyringFailure({ kind: 'exit', detail: 'ENVKIT_LOAD: Cannot find module @napi-rs/keyring' }, linux).problem).toBe('module');
  });
});

describe('keyringError', () => {
  it('is one KEYRING error: what failed and why in the message, the fix as hint', () => {
    const diagnosis = diagnoseKeyringFailure({ kind: 'timeout', timeoutMs: 10 }, { platform: 'linux' });
    const error = keyringError(diagnosis, 'unavailable');
    expect(isEnvkitError(error, 'KEYRING')).toBe(true);
    expect(error.message).toBe(`OS keyring unavailable: ${diagnosis.reason}`);
    expect(error.hint).toBe(diagnosis.hint);
  });

  it('carries the problem and the repair as data; the hint is the repair, then doing without the keyring', () => {
    const diagnosis = diagnoseKeyringFailure({ kind: 'preflight', problem: 'no-bus', detail: 'DBUS_SESSION_BUS_ADDRESS is not set' }, { platform: 'linux' });
    const error = keyringError(diagnosis, 'unavailable');
    expect(error.reason).toBe('keyring-unusable');
    expect(error.data).toEqual({ problem: 'no-bus', repair: diagnosis.repair });
    expect(diagnosis.repair).toMatch(/^start a session bus and a keyring for this shell: `dbus-run-session -- \$SHELL`/);
    expect(error.hint).toBe(`${diagnosis.repair}; or do without the keyring`);
  });
});
