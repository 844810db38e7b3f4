import { spawn, spawnSync } from 'node:child_process';

/**
 * A pseudo-terminal driver for end-to-end tests of interactive prompts, built on the `pty` module of
 * Debian's /usr/bin/python3 (standard library: nothing to install). The child runs with a real terminal
 * as stdin, stdout and stderr, so `isTTY`, raw mode and the terminal's own echo behave as for a user.
 */

/** The interpreter that drives the terminal. */
export const PTY_PYTHON = '/usr/bin/python3';

// Fork the command on a new pty (80x24), copy our stdin to the terminal and the terminal to our stdout
// until the child closes it, then exit with the child's status (128+N for a signal).
const DRIVER = String.raw`
import os, pty, sys, select, fcntl, termios, struct
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
stdin_open = True
while True:
    watch = [fd] + ([0] if stdin_open else [])
    ready, _, _ = select.select(watch, [], [])
    if 0 in ready:
        data = os.read(0, 4096)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False
    if fd in ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
`;

/** True when the pty driver can run here (Debian's python3 with its `pty` module). */
export function ptyAvailable(): boolean {
  const probe = spawnSync(PTY_PYTHON, ['-c', 'import pty, termios, fcntl'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** A program running on a pseudo-terminal. */
export interface PtySession {
  /** Everything the terminal showed so far (stdout and stderr interleaved, with ANSI codes). */
  readonly output: string;
  /**
   * Wait until the output after the previous match contains `pattern`; returns the output up to and
   * including the match. Rejects after `timeoutMs` (default 10 s) or if the program exits first.
   */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Type on the terminal (use `\r` for Enter, as a keyboard sends). */
  write(data: string): void;
  /** Resolves when the program has exited and the terminal is drained. */
  readonly exited: Promise<{ code: number | null; output: string }>;
  /** Whether the program has exited. */
  readonly done: boolean;
  /** Kill the driver and the program. */
  kill(): void;
}

/** Run `command args` on a new pseudo-terminal in `cwd` with exactly `env` (plus PATH if absent). */
export function spawnPty(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv): PtySession {
  const child = spawn(PTY_PYTHON, ['-c', DRIVER, command, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  let cursor = 0;
  let done = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    output += d;
    notify();
  });
  const exited = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      done = true;
      notify();
      resolve({ code, output });
    });
  });

  return {
    get output() {
      return output;
    },
    get done() {
      return done;
    },
    exited,
    write(data) {
      child.stdin.write(data);
    },
    kill() {
      child.kill('SIGKILL');
    },
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const rest = output.slice(cursor);
          let end = -1;
          if (typeof pattern === 'string') {
            const at = rest.indexOf(pattern);
            if (at !== -1) end = at + pattern.length;
          } else {
            const m = pattern.exec(rest);
            if (m) end = m.index + m[0].length;
          }
          if (end !== -1) {
            finish();
            const seen = rest.slice(0, end);
            cursor += end;
            resolve(seen);
          } else if (done) {
            finish();
            reject(new Error(`the program exited before printing ${String(pattern)}; output:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)}; output:\n${output}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
