// The native decrypter against files written by the real age CLI (Debian's age 1.1.1): -r and -R, armored
// and binary, to several recipients of which one is ours, at the sizes where STREAM changes (empty, one
// chunk exactly, one byte more, many chunks).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '../../../../../test/helpers/testdir.js';
import { requireTool } from '../../../../../test/helpers/require.js';
import { rejected } from '../../../../../test/helpers/errors.js';
import { decryptText } from '../cipher.js';
import { parseIdentityFile } from '../identity-file.js';
import { loadIdentities } from '../identity-store.js';
import { decryptAgeFile } from './decrypt.js';
import { x25519Key, x25519Recipient } from './x25519.js';

const hasAge = spawnSync('age', ['--version']).status === 0 && spawnSync('age-keygen', ['-y', '/dev/null']).error === undefined;
const CHUNK = 64 * 1024;

function keygen(dir: string, name: string): { file: string; identity: string; recipient: string } {
  const file = join(dir, name);
  expect(spawnSync('age-keygen', ['-o', file]).status).toBe(0);
  const identity = parseIdentityFile(readFileSync(file, 'utf8'), file)[0] as string;
  return { file, identity, recipient: spawnSync('age-keygen', ['-y', file], { encoding: 'utf8' }).stdout.trim() };
}

/** `age -e` of `plain` with `flags`, as a file's bytes. */
function ageEncrypt(dir: string, plain: Uint8Array, flags: string[]): Buffer {
  writeFileSync(join(dir, 'plain'), plain);
  const made = spawnSync('age', ['-e', ...flags, '-o', join(dir, 'out.age'), join(dir, 'plain')], { encoding: 'utf8' });
  expect(made.stderr).toBe('');
  expect(made.status).toBe(0);
  return readFileSync(join(dir, 'out.age'));
}

describe.runIf(requireTool('age', hasAge, 'apt-get install age'))('native decrypter and the age CLI', () => {
  it('opens what age -r and age -R write, armored and binary, to several recipients, at every STREAM size', () => {
    const dir = testdir();
    const alice = keygen(dir, 'alice');
    const bob = keygen(dir, 'bob');
    const carol = keygen(dir, 'carol');
    const mallory = keygen(dir, 'mallory');
    writeFileSync(join(dir, 'recipients'), `# the team\n${alice.recipient}\n${bob.recipient}\n\n${carol.recipient}\n`);
    let opened = 0;
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 1_000_000]) {
      const plain = randomBytes(size);
      for (const armor of [[], ['-a']]) {
        for (const to of [['-r', bob.recipient], ['-r', alice.recipient, '-r', bob.recipient, '-r', carol.recipient], ['-R', join(dir, 'recipients')]]) {
          const file = ageEncrypt(dir, plain, [...armor, ...to]);
          expect(decryptAgeFile(file, armor.length > 0, [x25519Key(bob.identity)]).equals(plain)).toBe(true);
          // A stranger's identity tried first, as `--identity a --identity b` would.
          expect(decryptAgeFile(file, armor.length > 0, [mallory.identity, bob.identity].map((identity) => x25519Key(identity))).equals(plain)).toBe(true);
          opened++;
        }
      }
    }
    expect(opened).toBe(7 * 2 * 3);
  });

  it('decryptText returns exactly the text age wrote, and refuses a stranger by its usual message', async () => {
    const dir = testdir();
    const alice = keygen(dir, 'alice');
    const mallory = keygen(dir, 'mallory');
    for (const text of ['', 'A=1\n', `BIG=${'x'.repeat(CHUNK - 4)}`, `BIG=${'é'.repeat(CHUNK)}\n`, 'K=v\n'.repeat(250_000)]) {
      for (const armor of [[], ['-a']]) {
        const file = ageEncrypt(dir, Buffer.from(text), [...armor, '-r', alice.recipient]);
        expect(await decryptText(file, [alice.identity], 'env.age')).toBe(text);
      }
    }
    const file = ageEncrypt(dir, Buffer.from('A=1\n'), ['-a', '-r', alice.recipient]);
    expect((await rejected(decryptText(file, [mallory.identity], 'env.age'))).message).toBe('your identity cannot decrypt env.age: it was not encrypted to your recipient');
  });

  it('computes the recipient age-keygen -y prints, for the identities it loads', async () => {
    const dir = testdir();
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      const key = keygen(dir, name);
      expect(x25519Recipient(x25519Key(key.identity))).toBe(key.recipient);
      const [loaded] = await loadIdentities({ files: [key.file], keyring: 'off' });
      expect(loaded?.recipient).toBe(key.recipient);
    }
  });
});
