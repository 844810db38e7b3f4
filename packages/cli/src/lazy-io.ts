import { fstatSync, writeSync } from 'node:fs';
import type { Io } from './io.js';

type Out = Io['stdout'];

/**
 * The process's streams for the CLI, each made only when first used. Node builds `process.stdout` on first
 * access, and for a pipe that costs a few milliseconds (a socket, its stream machinery), while `envkit get`
 * in `$(...)` spends hardly more than that on everything else. So when an output is a pipe, a socket or a
 * regular file, lines go to its file descriptor with a synchronous write — what `process.stdout` does there
 * too on Linux — and anything else (a terminal: prompts, colors and widths need the real stream; a device)
 * gets the real stream. `fstat` decides, not `tty.isatty`: loading node:tty costs as much as the
 * stream. Should a direct write fail (a non-blocking pipe that is full, a closed reader), that write and
 * every later one go through the real stream, which deals with it as it always did.
 */
export function lazyProcessIo(): Io {
  let stdout: Out | undefined;
  let stderr: Out | undefined;
  return {
    get stdout() {
      stdout ??= direct(1, () => process.stdout);
      return stdout;
    },
    get stderr() {
      stderr ??= direct(2, () => process.stderr);
      return stderr;
    },
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
  };
}

function direct(fd: number, stream: () => Out): Out {
  if (!isPipeOrFile(fd)) return stream();
  let fallback: Out | undefined;
  const writer = {
    write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let done = 0;
      if (fallback === undefined) {
        try {
          while (done < data.length) done += writeSync(fd, data, done);
          const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
          if (callback) process.nextTick(callback);
          return true;
        } catch {
          fallback = stream();
        }
      }
      // What a failed write left unwritten goes through the real stream.
      return (fallback.write as (chunk: Uint8Array, ...rest: unknown[]) => boolean)(data.subarray(done), ...rest);
    },
  };
  return writer as unknown as Out;
}

function isPipeOrFile(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    // A socket too: Node's own child processes get socket pairs as pipes.
    return stat.isFIFO() || stat.isSocket() || stat.isFile();
  } catch {
    return false;
  }
}
