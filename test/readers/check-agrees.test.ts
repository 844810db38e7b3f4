// `check` is not ok where the readers disagree: over a corpus of hand-written lines built around the characters
// the three readers treat differently (a byte-order mark, Python-only and JavaScript-only whitespace, line
// separators), every line that `check` passes without a finding must be read the same by npm dotenv, the real
// python-dotenv and the compose-go model. (agree.test.ts proves the converse for what envkit writes.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkWrittenValue, parseDocument } from 'envkit';
import { hasPythonDotenv, readManyWithPythonDotenv, readWithComposeGoModel, readWithNpmDotenv } from '../helpers/readers.js';
import { requireTool } from '../helpers/require.js';

const python = requireTool('python-dotenv (Debian python3-dotenv)', hasPythonDotenv(), 'apt-get install python3-dotenv');

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Characters that are whitespace to some readers and not to others, and a few ordinary ones. */
const ODD = ['\ufeff', '\u0085', '\u001c', '\u001f', '\u00a0', '\u1680', '\u2000', '\u200a', '\u202f', '\u205f', '\u3000', '\u000b', '\u000c', '\u200b', '\u180e', '\t', ' '];

function lineCorpus(): string[] {
  const lines: string[] = [];
  for (const w of ODD) {
    lines.push(`K=${w}`, `K=${w}a`, `K=a${w}`, `K= ${w}`, `K=${w} `, `K=a ${w}`, `K=${w}${w}`, `K='a'${w}`, `K="a"${w}`, `K='${w}'`, `K=a${w}b`, `K=${w} # c`, `K=a ${w}# c`);
  }
  return lines;
}

describe.runIf(python)('check flags every line the readers read differently', () => {
  it('a line check passes is read the same by npm dotenv, python-dotenv and compose-go', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envkit-check-agrees-'));
    dirs.push(dir);
    const lines = lineCorpus();
    const files = lines.map((line, i) => {
      const file = join(dir, `l_${i}.env`);
      writeFileSync(file, `${line}\n`);
      return file;
    });
    const py = readManyWithPythonDotenv(files);
    const disagreements: string[] = [];
    let passed = 0;
    lines.forEach((line, i) => {
      const doc = parseDocument(`${line}\n`);
      const entry = doc.entries()[0];
      const flagged = doc.problems.length > 0 || entry === undefined || checkWrittenValue(entry) !== undefined;
      if (flagged) return;
      passed++;
      const go = readWithComposeGoModel(`${line}\n`);
      const read = [readWithNpmDotenv(files[i]!).K, py[i]!.K, go.ok ? go.values.K : `<error ${go.ok ? '' : go.error}>`];
      if (new Set(read).size !== 1) disagreements.push(`${JSON.stringify(line)}: npm ${JSON.stringify(read[0])}, python ${JSON.stringify(read[1])}, compose-go ${JSON.stringify(read[2])}`);
    });
    expect(passed).toBeGreaterThan(20);
    expect(disagreements).toEqual([]);
  });
});
