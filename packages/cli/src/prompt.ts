import type { Io } from './io.js';
import { EnvkitError } from 'envkit';

/**
 * Ask for a value with hidden input on a TTY: nothing is echoed. Enter ends the answer; an empty answer
 * returns ''. Ctrl-C or Ctrl-D abort with a USAGE error; nothing has been written at that point.
 */
export function promptHidden(io: Io, question: string): Promise<string> {
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
          return finish(new EnvkitError('USAGE', 'cancelled at the prompt; nothing was written'));
        }
        if (ch === '\u007f' || ch === '\b') answer = [...answer].slice(0, -1).join('');
        else if (ch >= ' ') answer += ch;
      }
    };
    stdin.on('data', onData);
  });
}
