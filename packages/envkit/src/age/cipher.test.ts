import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '../../../../test/helpers/testdir.js';
import { requireTool } from '../../../../test/helpers/require.js';
import { rejected } from '../../../../test/helpers/errors.js';
import { ageFormat, decryptText, encryptText } from './cipher.js';
import { parseIdentityFile } from './identity-file.js';
import { loadAge } from './load.js';

const hasAge = spawnSync('age', ['--version']).status === 0 && spawnSync('age-keygen', ['--help']).status !== null;
const TEXT = 'POSTGRES_PASSWORD=s3cr3t-Qx7vN2mL9pR4\nOPENAI_API_KEY="sk-with spaces # and hash"\n# comment\n';

/** A key made by the real age-keygen: its file, identity and recipient. */
function keygen(dir: string, name: string): { file: string; identity: string; recipient: string } {
  const file = join(dir, name);
  const made = spawnSync('age-keygen', ['-o', file], { encoding: 'utf8' });
  expect(made.status).toBe(0);
  const identity = parseIdentityFile(readFileSync(file, 'utf8'), file)[0] as string;
  const recipient = spawnSync('age-keygen', ['-y', file], { encoding: 'utf8' }).stdout.trim();
  return { file, identity, recipient };
}

describe.runIf(requireTool('age', hasAge, 'apt-get install age'))('age interop (the age 1.1.1 CLI as oracle)', () => {
  for (const armor of [true, false]) {
    it(`what envkit encrypts (${armor ? 'armored' : 'binary'}) decrypts with age -d -i`, async () => {
      const dir = testdir();
      const alice = keygen(dir, 'alice.txt');
      const bob = keygen(dir, 'bob.txt');
      const sealed = await encryptText(TEXT, [alice.recipient, bob.recipient], { armor });
      expect(ageFormat(sealed)).toBe(armor ? 'armor' : 'binary');
      writeFileSync(join(dir, 'env.age'), sealed);
      for (const who of [alice, bob]) {
        const out = spawnSync('age', ['-d', '-i', who.file, join(dir, 'env.age')], { encoding: 'utf8' });
        expect(out.stderr).toBe('');
        expect(out.stdout).toBe(TEXT);
      }
    });

    it(`what age -r writes (${armor ? 'armored' : 'binary'}) opens in envkit, with -R reading a recipients file too`, async () => {
      const dir = testdir();
      const alice = keygen(dir, 'alice.txt');
      writeFileSync(join(dir, 'plain'), TEXT);
      writeFileSync(join(dir, 'recipients'), `# alice\n${alice.recipient}\n`);
      for (const flags of [['-r', alice.recipient], ['-R', join(dir, 'recipients')]]) {
        const made = spawnSync('age', ['-e', ...(armor ? ['-a'] : []), ...flags, '-o', join(dir, 'env.age'), join(dir, 'plain')]);
        expect(made.status).toBe(0);
        const bytes = readFileSync(join(dir, 'env.age'));
        expect(ageFormat(bytes)).toBe(armor ? 'armor' : 'binary');
        expect(await decryptText(bytes, [alice.identity], 'env.age')).toBe(TEXT);
      }
    });
  }

  it('refuses the wrong identity, a tampered and a truncated file, and a plaintext file, never quoting it', async () => {
    const dir = testdir();
    const alice = keygen(dir, 'alice.txt');
    const mallory = keygen(dir, 'mallory.txt');
    const armored = new TextDecoder().decode(await encryptText(TEXT, [alice.recipient]));
    const binary = await encryptText(TEXT, [alice.recipient], { armor: false });

    const wrong = await rejected(decryptText(new TextEncoder().encode(armored), [mallory.identity], 'x.age'));
    expect(wrong.code).toBe('CRYPTO');
    expect(wrong.message).toBe('your identity cannot decrypt x.age: it was not encrypted to your recipient');

    // One payload byte flipped: age's payload MAC fails.
    const flipped = Uint8Array.from(binary);
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 1;
    expect((await rejected(decryptText(flipped, [alice.identity], 'x.age'))).message).toMatch(/authentication check/);
    // The header edited (the MAC line): its HMAC fails.
    const header = new TextDecoder('latin1').decode(binary);
    const macAt = header.indexOf('--- ') + 5;
    const badMac = Uint8Array.from(binary);
    badMac[macAt] = badMac[macAt] === 0x41 ? 0x42 : 0x41;
    expect((await rejected(decryptText(badMac, [alice.identity], 'x.age'))).message).toMatch(/header/);
    // Cut short.
    for (const cut of [binary.subarray(0, binary.length - 10), binary.subarray(0, 40)]) {
      const error = await rejected(decryptText(cut, [alice.identity], 'x.age'));
      expect(error.code).toBe('CRYPTO');
    }
    // A line of the armor removed.
    const lines = armored.split('\n');
    lines.splice(2, 1);
    expect((await rejected(decryptText(new TextEncoder().encode(lines.join('\n')), [alice.identity], 'x.age'))).code).toBe('CRYPTO');
    // Plaintext under an .age name: refused without echoing it.
    const plain = await rejected(decryptText(new TextEncoder().encode(TEXT), [alice.identity], 'x.age'));
    expect(plain.message).toBe('x.age is not an age-encrypted file');
    const noId = await rejected(decryptText(new TextEncoder().encode(armored), [], 'x.age'));
    expect(noId.message).toMatch(/no age identity/);
    // age itself agrees the tampered copies are bad.
    writeFileSync(join(dir, 'flipped.age'), flipped);
    expect(spawnSync('age', ['-d', '-i', alice.file, join(dir, 'flipped.age')]).status).not.toBe(0);
  });

  it('age-encryption loads on this node and makes identities age-keygen -y agrees with', async () => {
    const dir = testdir();
    const age = await loadAge();
    const identity = await age.generateX25519Identity();
    writeFileSync(join(dir, 'k'), `${identity}\n`);
    expect(spawnSync('age-keygen', ['-y', join(dir, 'k')], { encoding: 'utf8' }).stdout.trim()).toBe(await age.identityToRecipient(identity));
  });
});
