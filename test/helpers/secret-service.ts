import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The tools {@link startSecretService} needs, with the Debian packages that provide them. */
export const SECRET_SERVICE_TOOLS = ['dbus-daemon', 'dbus-send', 'dbus-monitor', 'gnome-keyring-daemon', 'secret-tool'] as const;
/** What to tell a developer (or CI) that lacks them. */
export const SECRET_SERVICE_INSTALL = 'apt-get install dbus-daemon dbus-x11 gnome-keyring libsecret-tools';

/** True when every tool of {@link SECRET_SERVICE_TOOLS} is on PATH. Use with requireTool. */
export function hasSecretService(): boolean {
  return SECRET_SERVICE_TOOLS.every(onPath);
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Options of {@link startSecretService}. */
export interface SecretServiceOptions {
  /**
   * `unlocked` (default): gnome-keyring with an unlocked `login` collection, as after a desktop login.
   * `locked`: the same, then locked. `empty`: gnome-keyring with no keyring at all (never unlocked, as on a
   * fresh headless machine). `none`: a working bus with no Secret Service on it.
   */
  keyring?: 'unlocked' | 'locked' | 'empty' | 'none';
}

/** A private session bus (and keyring) for one test file. */
export interface SecretServiceHandle {
  /** `process.env` plus `DBUS_SESSION_BUS_ADDRESS` of the private bus: pass it as `OsStoreOptions.env`. */
  env: NodeJS.ProcessEnv;
  /** The private bus address. */
  address: string;
  /** Runs `secret-tool` against the private bus; returns stdout, throws (with stderr) on a non-zero exit. */
  secretTool(args: string[], stdin?: string): string;
  /** `secret-tool lookup service <service> username <account>`, `undefined` when there is no such item. */
  lookup(service: string, account: string): string | undefined;
  /** Locks the `login` collection. */
  lock(): Promise<void>;
  /** Kills gnome-keyring only, leaving the bus up: the Secret Service disappears mid-session. */
  stopKeyring(): Promise<void>;
  /** The pid of gnome-keyring-daemon (undefined with `keyring: 'none'`). */
  keyringPid: number | undefined;
  /** Stops gnome-keyring (SIGSTOP) without killing it: its name stays on the bus, calls to it wait. */
  pauseKeyring(): void;
  /** Kills gnome-keyring at once (SIGKILL, which a paused one cannot delay): it dies in the middle of a call. */
  killKeyring(): Promise<void>;
  /**
   * Resolves with true once clients have called `member` of the Secret Service `times` times (default 1),
   * counted with dbus-monitor from now on; with false when `signal` aborts first. Rejects after `timeoutMs`.
   */
  called(member: string, options: { timeoutMs: number; times?: number; signal?: AbortSignal }): Promise<boolean>;
  /**
   * Counts clients' calls of `member` of the Secret Service: resolves once dbus-monitor is in place; `done()` ends
   * the count and resolves with how many calls were made in between, none missed.
   */
  count(member: string): Promise<{ done(): Promise<number> }>;
  /** Kills gnome-keyring (if it runs) and starts it again on the same directories: what it stored is there again. */
  restartKeyring(): Promise<void>;
  /** How gnome-keyring ended when it ended without stopKeyring()/stop() (a test can then say so), else undefined. */
  unexpectedExit(): string | undefined;
  /** Kills what was started and removes its files. */
  stop(): Promise<void>;
}

/**
 * Starts `dbus-daemon` with a private configuration (no service activation, so nothing the real session
 * would start can appear) and, unless `keyring: 'none'`, `gnome-keyring-daemon --unlock` with its HOME and
 * XDG directories in a temp dir, so the user's own keyrings are never touched. Waits until a write and a
 * read through `secret-tool` work (or, for `locked`, until the collection reports locked).
 *
 * The test process itself is not changed: pass `handle.env` to whatever should use the bus.
 */
export async function startSecretService(options: SecretServiceOptions = {}): Promise<SecretServiceHandle> {
  const mode = options.keyring ?? 'unlocked';
  const dir = mkdtempSync(join(tmpdir(), 'envkit-dbus-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await killChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    writeFileSync(join(dir, 'bus.conf'), busConfig(dir));
    const bus = spawn('dbus-daemon', [`--config-file=${join(dir, 'bus.conf')}`, '--nofork', '--print-address=1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(bus);
    const address = await firstLine(bus, 5000);
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address };

    const secretTool = (args: string[], stdin?: string): string => {
      try {
        return execFileSync('secret-tool', args, {
          env,
          input: stdin ?? '',
          encoding: 'utf8',
          timeout: 10_000,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      } catch (error) {
        const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
        throw new Error(`secret-tool ${args[0] ?? ''} failed: ${stderr || String(error)}`, { cause: error });
      }
    };
    const lookup = (service: string, account: string): string | undefined => {
      try {
        return execFileSync('secret-tool', ['lookup', 'service', service, 'username', account], {
          env,
          encoding: 'utf8',
          timeout: 10_000,
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch (error) {
        // secret-tool exits 1 with no output for "no such item".
        if ((error as { status?: number }).status === 1) return undefined;
        throw error;
      }
    };
    const lock = async (): Promise<void> => {
      await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets',
        'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login'], { env, timeout: 5000 });
    };

    let stopKeyring = async (): Promise<void> => undefined;
    let keyringPid: number | undefined;
    let pauseKeyring = (): void => undefined;
    let killKeyring = async (): Promise<void> => undefined;
    let restartKeyring = async (): Promise<void> => undefined;
    let unexpected: string | undefined;
    let stopping = false;
    if (mode !== 'none') {
      const keyringEnv: NodeJS.ProcessEnv = { ...env };
      for (const [name, sub] of [['HOME', 'home'], ['XDG_RUNTIME_DIR', 'run'], ['XDG_DATA_HOME', 'data'], ['XDG_CONFIG_HOME', 'config'], ['XDG_CACHE_HOME', 'cache']] as const) {
        const path = join(dir, sub);
        mkdirSync(path, { recursive: true, mode: 0o700 });
        keyringEnv[name] = path;
      }
      const unlock = mode === 'empty' ? [] : ['--unlock'];
      let keyring: ChildProcess;
      // Started again by restartKeyring with the same directories: the login keyring it wrote is read back.
      const launch = async (): Promise<void> => {
        const daemon = spawn('gnome-keyring-daemon', ['--foreground', ...unlock, '--components=secrets'], {
          env: keyringEnv,
          stdio: ['pipe', 'ignore', 'pipe'],
        });
        keyring = daemon;
        children.push(daemon);
        keyringPid = daemon.pid;
        // Its last words, for the report of an exit nobody asked for (GLib prints a failed assertion there).
        let said = '';
        daemon.stderr?.on('data', (chunk: Buffer) => {
          said = (said + chunk.toString('utf8')).slice(-2000);
        });
        daemon.once('exit', (code, signal) => {
          if (!stopping && daemon === keyring) unexpected = `gnome-keyring-daemon (pid ${daemon.pid}) exited on its own: code ${code}, signal ${signal}; its stderr: ${said.trim() || '(nothing)'}`;
        });
        // --unlock reads the password of the login keyring from stdin and creates the keyring when missing.
        daemon.stdin?.end(mode === 'empty' ? '' : 'envkit-test-keyring-password');
        await waitForName(env, 'org.freedesktop.secrets', 5000);
      };
      stopKeyring = () => {
        stopping = true;
        return killChild(keyring);
      };
      pauseKeyring = () => {
        keyring.kill('SIGSTOP');
      };
      killKeyring = async () => {
        stopping = true;
        if (keyring.exitCode !== null || keyring.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => keyring.once('exit', () => resolve()));
        keyring.kill('SIGKILL');
        await exited;
      };
      restartKeyring = async () => {
        await killKeyring();
        stopping = false;
        await launch();
      };
      await launch();
    }
    if (mode === 'unlocked' || mode === 'locked') {
      const check = `envkit-helper-check-${process.pid}`;
      secretTool(['store', '--label=envkit helper check', 'service', check, 'username', 'check'], 'ok');
      if (lookup(check, 'check') !== 'ok') throw new Error('gnome-keyring started but a stored item did not read back');
      secretTool(['clear', 'service', check, 'username', 'check']);
      if (mode === 'locked') await lock();
    }
    return {
      env,
      address,
      secretTool,
      lookup,
      lock,
      stopKeyring,
      called: (member, options) => called(address, member, options),
      count: (member) => count(env, address, member),
      get keyringPid() {
        return keyringPid;
      },
      pauseKeyring,
      killKeyring,
      restartKeyring,
      unexpectedExit: () => unexpected,
      stop: () => {
        stopping = true;
        return stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * How gnome-keyring-daemon (42.1 here, 50 on Arch) dies of its own race, not of anything a client can do wrong:
 * an OpenSession finds no client record for its caller, the daemon asserts
 * `gkd_secret_service_get_pkcs11_session: assertion 'client' failed` and aborts (SIGTRAP/SIGABRT) in
 * `g_variant_new`. Upstream GNOME/gnome-keyring#190, #196, #199, unfixed; every short-lived Secret Service client
 * trips it now and then. Measured here: 1 crash in 965 `envkit restore` runs (about 10,600 sessions) with four
 * keyrings side by side and both cores busy. Matched with the signal it died of: the assertion alone is a GLib
 * critical, which a daemon can log and survive, and a later death of another kind is not the race.
 */
export const UPSTREAM_KEYRING_RACE = /signal SIG(?:TRAP|ABRT); its stderr: [\s\S]*gkd_secret_service_get_pkcs11_session: assertion 'client' failed/;

/**
 * Runs `attempt` against a Secret Service of its own and stops it after; `attempt` must start from nothing
 * (its own directories and project ids). When gnome-keyring died of {@link UPSTREAM_KEYRING_RACE} during the
 * attempt, it runs once more against a new one and says so on stderr. Anything else fails as it is: a
 * failure of the attempt, a daemon that died any other way, or the race a second time. `race` is for the
 * helper's own test, which cannot make the daemon hit its race on demand.
 */
export async function withSecretService<T>(
  attempt: (keyring: SecretServiceHandle) => Promise<T>,
  options: SecretServiceOptions = {},
  race: RegExp = UPSTREAM_KEYRING_RACE,
): Promise<T> {
  for (let round = 1; ; round += 1) {
    const keyring = await startSecretService(options);
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await attempt(keyring) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const exit = keyring.unexpectedExit();
    await keyring.stop();
    if (exit !== undefined && round === 1 && race.test(exit)) {
      process.stderr.write(`[secret-service] gnome-keyring-daemon died as /${race.source}/ says (its upstream race, GNOME/gnome-keyring#190); running the attempt again against a new one. ${exit.split('\n')[0]}\n`);
      continue;
    }
    if (exit !== undefined) throw new Error(exit, outcome.ok ? undefined : { cause: outcome.error });
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
}

/** A unix socket that accepts D-Bus clients and never answers: the bus that hangs @napi-rs/keyring. */
export async function startStuckBus(): Promise<{ address: string; env: NodeJS.ProcessEnv; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'envkit-stuck-'));
  const path = join(dir, 'bus');
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  const address = `unix:path=${path}`;
  return {
    address,
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** {@link SecretServiceHandle.called} on the bus at `address`. */
async function called(address: string, member: string, options: { timeoutMs: number; times?: number; signal?: AbortSignal }): Promise<boolean> {
  const times = options.times ?? 1;
  const monitor = monitorCalls(address, member);
  try {
    return await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`fewer than ${times} ${member} calls on the bus within ${options.timeoutMs} ms`)), options.timeoutMs);
      const done = (seen: boolean) => {
        clearTimeout(timer);
        resolve(seen);
      };
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      options.signal?.addEventListener('abort', () => done(false), { once: true });
      let seen = '';
      monitor.once('error', fail);
      // The bus stopped (the test ended) or refused to be monitored: said now, not after timeoutMs.
      monitor.once('close', (code, signal) => fail(new Error(`dbus-monitor exited (code ${code}, signal ${signal}) before ${times} ${member} calls`)));
      monitor.stdout?.setEncoding('utf8');
      monitor.stdout?.on('data', (chunk: string) => {
        seen += chunk;
        if (seen.split(`member=${member}`).length > times) done(true);
      });
    });
  } finally {
    await killChild(monitor);
  }
}

/** dbus-monitor of the calls of `member` of the Secret Service on the bus at `address`, and of the bus's own GetId (count's marker). */
function monitorCalls(address: string, member: string): ChildProcess {
  const rules = [`type='method_call',destination='org.freedesktop.secrets',member='${member}'`, "type='method_call',destination='org.freedesktop.DBus',member='GetId'"];
  return spawn('dbus-monitor', ['--address', address, ...rules], { stdio: ['ignore', 'pipe', 'ignore'] });
}

/** {@link SecretServiceHandle.count} on the bus at `address` (`env` reaches it). */
async function count(env: NodeJS.ProcessEnv, address: string, member: string): Promise<{ done(): Promise<number> }> {
  const monitor = monitorCalls(address, member);
  let seen = '';
  monitor.stdout?.setEncoding('utf8');
  monitor.stdout?.on('data', (chunk: string) => {
    seen += chunk;
  });
  const calls = (name: string): number => seen.split(`member=${name}`).length - 1;
  // The bus passes messages to a monitor in the order it handles them: once a GetId sent now shows, every call made
  // before it has shown too. Sent again until one shows, since the first may come before the monitor is in place.
  const marked = async (): Promise<void> => {
    const before = calls('GetId');
    const deadline = Date.now() + 5000;
    while (calls('GetId') === before) {
      if (Date.now() > deadline) throw new Error(`dbus-monitor showed no GetId within 5000 ms (it saw: ${seen.slice(0, 300)})`);
      await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.GetId'], { env, timeout: 2000 });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  try {
    await marked();
  } catch (error) {
    await killChild(monitor);
    throw error;
  }
  const from = calls(member);
  return {
    done: async () => {
      try {
        await marked();
        return calls(member) - from;
      } finally {
        await killChild(monitor);
      }
    },
  };
}

function busConfig(dir: string): string {
  // No <standard_session_servicedirs/>: D-Bus activation would start the system's gnome-keyring (with the
  // real HOME) or a prompter the moment anything asks for them.
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=${dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no output from ${child.spawnfile} within ${timeoutMs} ms`)), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${child.spawnfile} exited with ${code} before printing its address`));
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(buffer.slice(0, end).trim());
      }
    });
  });
}

async function waitForName(env: NodeJS.ProcessEnv, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { stdout } = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner', `string:${name}`], { env, timeout: 2000 });
    if (/boolean true/.test(stdout)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${name} did not appear on the private bus within ${timeoutMs} ms`);
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}
