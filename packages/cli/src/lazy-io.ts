import { fstatSync, writeSync } from 'node:fs';
import type { Io } from './io.js';

type Out = Io['stdout'];

/** The process's streams, plus whether a reader closed one of them before envkit was done writing. */
export interface ProcessIo extends Io {
  /** True once a write failed because the reader went away (EPIPE): `envkit schema | head -1`. */
  outputClosed(): boolean;
}

/**
 * The process's streams for the CLI, each made only when first used. Node builds `process.stdout` on first
 * access, and for a pipe that costs a few milliseconds (a socket, its stream machinery), while `envkit get`
 * in `$(...)` spends hardly more than that on everything else. So when an output is a pipe, a socket or a
 * regular file, lines go to its file descriptor with a synchronous write — what `process.stdout` does there
 * too on Linux — and anything else (a terminal: prompts, colors and widths need the real stream; a device)
 * gets the real stream. `fstat` decides, not `tty.isatty`: loading node:tty costs as much as the
 * stream. Should a direct write fail (a non-blocking pipe that is full, a closed reader), that write and
 * every later one go through the real stream, which deals with it as it always did.
 *
 * A reader that went away (`envkit schema | head -1`) is not an error of envkit's: like `cat`, envkit
 * stops writing there, with no stack trace. Unlike `cat` it is not killed on the spot: a command that
 * changes files finishes what it started (half a rotation would be worse than lost lines), and bin.ts
 * then exits with 141, the status a shell reports for a `cat` killed by SIGPIPE (docs/exit-codes.md).
 */
export function lazyProcessIo(): ProcessIo {
  let stdout: Out | undefined;
  let stderr: Out | undefined;
  let closed = false;
  const onClosed = () => {
    closed = true;
  };
  return {
    get stdout() {
      stdout ??= direct(1, () => quiet(process.stdout, onClosed), onClosed);
      return stdout;
    },
    get stderr() {
      stderr ??= direct(2, () => quiet(process.stderr, onClosed), onClosed);
      return stderr;
    },
    outputClosed: () => closed,
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
  };
}

function direct(fd: number, stream: () => Out, onClosed: () => void): Out {
  if (!isPipeOrFile(fd)) return stream();
  let fallback: Out | undefined;
  let gone = false;
  const writer = {
    write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      let done = 0;
      if (gone) {
        if (callback) process.nextTick(callback);
        return true;
      }
      if (fallback === undefined) {
        try {
          while (done < data.length) done += writeSync(fd, data, done);
          if (callback) process.nextTick(callback);
          return true;
        } catch (error) {
          if (isClosedPipe(error)) {
            gone = true;
            onClosed();
            if (callback) process.nextTick(callback);
            return true;
          }
          fallback = stream();
        }
      }
      // What a failed write left unwritten goes through the real stream.
      return (fallback.write as (chunk: Uint8Array, ...rest: unknown[]) => boolean)(data.subarray(done), ...rest);
    },
  };
  return writer as unknown as Out;
}

/**
 * The real stream, minus the crash: Node turns a write to a closed pipe into an 'error' event, which
 * with no listener ends the process with a stack trace. Any other error keeps Node's behaviour.
 */
function quiet(stream: Out, onClosed: () => void): Out {
  stream.on('error', (error: unknown) => {
    if (!isClosedPipe(error)) throw error;
    onClosed();
  });
  return stream;
}

function isClosedPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
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
