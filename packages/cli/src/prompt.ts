import type { Io } from './io.js';
import { Exit, ExitError } from './exit-codes.js';

/**
 * Ask for a value with hidden input on a TTY: nothing is echoed. Enter ends the answer; an empty answer
 * returns ''. Ctrl-C ends the command with 130, as a shell reports an interrupted program; Ctrl-D (the
 * input ended without an answer) with 1. Nothing has been written at that point (docs/exit-codes.md).
 */
export function promptHidden(io: Io, question: string): Promise<string> {
  return promptLine(io, question, false);
}

/**
 * Ask for a value that is not secret on a TTY: what is typed is shown (on stderr). Otherwise as {@link promptHidden}.
 */
export function promptVisible(io: Io, question: string): Promise<string> {
  return promptLine(io, question, true);
}

function promptLine(io: Io, question: string, echo: boolean): Promise<string> {
  const { stdin, stderr } = io;
  return new Promise((resolve, reject) => {
    let answer = '';
    const wasRaw = (stdin as { isRaw?: boolean }).isRaw === true;
    // Echo off before the question shows: a user who types as soon as it appears must not see the secret.
    stdin.setRawMode?.(true);
    stderr.write(question);
    stdin.resume();
    const finish = (error?: Error) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(wasRaw);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') {
          const interrupted = ch === '\u0003';
          const error = new ExitError(interrupted ? Exit.Interrupted : Exit.Problems);
          finish(error);
          stderr.write(`envkit: cancelled at the prompt (${interrupted ? 'Ctrl-C' : 'Ctrl-D'}); nothing was written\n`);
          return;
        }
        if (ch === '\u007f' || ch === '\b') {
          if (echo && answer !== '') stderr.write('\b \b');
          answer = [...answer].slice(0, -1).join('');
        } else if (ch >= ' ') {
          answer += ch;
          if (echo) stderr.write(ch);
        }
      }
    };
    stdin.on('data', onData);
  });
}
