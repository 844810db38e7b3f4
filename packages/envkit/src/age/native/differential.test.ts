// Differential test: the native decrypter against age-encryption (the age author's TypeScript
// implementation) on valid files and on every kind of damage — single bits flipped, files cut short,
// bytes added — armored and binary. Both must refuse, or both return the same plaintext. Where they do not,
// the age CLI (Debian's age 1.1.1, the reference implementation) decides, and the native decrypter must agree
// with it: age-encryption trims any whitespace around the armor (`String.prototype.trim`), age allows it only
// on lines of their own.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '../../../../../test/helpers/testdir.js';
import { ageFormat } from '../cipher.js';
import { loadAge, type AgeModule } from '../load.js';
import { decryptAgeFile } from './decrypt.js';
import { AgeFailure } from './failure.js';
import { x25519Key } from './x25519.js';

const CHUNK = 64 * 1024;

/** A small deterministic generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = { ok: string } | { refused: true };

function native(bytes: Uint8Array, identities: string[]): Outcome {
  const format = ageFormat(bytes);
  if (format === undefined) return { refused: true };
  try {
    return { ok: decryptAgeFile(bytes, format === 'armor', identities.map((identity) => x25519Key(identity))).toString('hex') };
  } catch (error) {
    if (error instanceof AgeFailure) return { refused: true };
    throw error;
  }
}

async function reference(age: AgeModule, bytes: Uint8Array, identities: string[]): Promise<Outcome> {
  const format = ageFormat(bytes);
  if (format === undefined) return { refused: true };
  try {
    const raw = format === 'armor' ? age.armor.decode(new TextDecoder().decode(bytes)) : bytes;
    const decrypter = new age.Decrypter();
    for (const identity of identities) decrypter.addIdentity(identity);
    return { ok: Buffer.from(await decrypter.decrypt(raw)).toString('hex') };
  } catch {
    return { refused: true };
  }
}

/** What `age -d` makes of `bytes`, with the identity in `keyFile`. */
function ageCli(bytes: Uint8Array, keyFile: string): Outcome {
  const file = join(testdir(), 'copy.age');
  writeFileSync(file, bytes);
  const out = spawnSync('age', ['-d', '-i', keyFile, file]);
  if (out.error) throw new Error(`the age CLI is needed to decide between the two decrypters: ${out.error.message} (apt-get install age)`);
  return out.status === 0 ? { ok: out.stdout.toString('hex') } : { refused: true };
}

/** Damaged copies of `file`: bit flips, truncations and extensions, at every `stride`-th byte of a small file. */
function damaged(file: Uint8Array, next: () => number, stride: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const small = file.length <= 2048;
  // Positions: every byte of a small file; else the header, the payload's chunk boundaries (binary) and a sample.
  const positions = new Set<number>();
  for (let i = 0; i < Math.min(file.length, small ? file.length : 150); i += small ? stride : 1) positions.add(i);
  const payload = Buffer.from(file).indexOf('\n', Buffer.from(file).indexOf('\n--- ') + 1) + 1 + 16;
  for (let boundary = payload + CHUNK + 16; ageFormat(file) === 'binary' && boundary < file.length + 4; boundary += CHUNK + 16) {
    for (let d = -3; d <= 3; d++) if (boundary + d < file.length) positions.add(boundary + d);
  }
  for (let i = 0; i < 10; i++) positions.add(Math.floor(next() * file.length));
  for (let i = file.length - 6; i < file.length; i++) if (i >= 0) positions.add(i);
  for (const at of positions) {
    const copy = Uint8Array.from(file);
    copy[at] = (copy[at] as number) ^ (1 << Math.floor(next() * 8));
    out.push(copy);
    out.push(file.subarray(0, at));
  }
  for (const tail of ['\n', ' \n', '\r\n', '\t', 'x', '\n\n-----END AGE ENCRYPTED FILE-----\n']) {
    out.push(Buffer.concat([file, Buffer.from(tail)]));
  }
  // The last byte (the armor's final newline) replaced by each whitespace character.
  for (const last of ['\t', '\v', '\f', '\r', ' ']) out.push(Buffer.concat([file.subarray(0, -1), Buffer.from(last)]));
  for (const size of [1, 15, 16, 17, 64]) {
    out.push(Buffer.concat([file, Buffer.from(Array.from({ length: size }, () => Math.floor(next() * 256)))]));
  }
  out.push(Buffer.concat([file, file]));
  return out;
}

describe('native decrypter vs age-encryption', () => {
  it('agree on valid files and on every damaged copy of them, armored and binary', async () => {
    const age = await loadAge();
    const next = random(15);
    const ours = await age.generateX25519Identity();
    const others = [await age.generateX25519Identity(), await age.generateX25519Identity()];
    const recipient = async (identity: string) => age.identityToRecipient(identity);
    const keyFile = join(testdir(), 'key.txt');
    writeFileSync(keyFile, `${ours}\n`);
    let compared = 0;
    let valid = 0;
    const refereed: string[] = [];
    for (const size of [0, 1, 47, 48, 300, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 17]) {
      const plain = Uint8Array.from({ length: size }, () => Math.floor(next() * 256));
      // Several recipients change only the header: tried on the small sizes.
      for (const to of size > 300 ? [[ours]] : [[ours], [others[0] as string, ours, others[1] as string]]) {
        const encrypter = new age.Encrypter();
        for (const identity of to) encrypter.addRecipient(await recipient(identity));
        const binary = await encrypter.encrypt(plain);
        const armored = new TextEncoder().encode(age.armor.encode(binary));
        for (const file of [binary, armored]) {
          for (const identities of [[ours], others, [others[0] as string, ours]]) {
            const expected = await reference(age, file, identities);
            expect(native(file, identities)).toEqual(expected);
            if ('ok' in expected) valid++;
            compared++;
          }
          // Every byte of the smallest files to one recipient; every third byte of the others.
          for (const copy of damaged(file, next, size <= 1 && to.length === 1 ? 1 : 3)) {
            const expected = await reference(age, copy, [ours]);
            const got = native(copy, [ours]);
            if (JSON.stringify(got) !== JSON.stringify(expected)) {
              const at = copy.findIndex((byte, i) => byte !== file[i]);
              const change = at < 0 ? `cut or extended to ${copy.length} bytes` : `byte ${at} ${JSON.stringify(String.fromCharCode(file[at] as number))} → ${JSON.stringify(String.fromCharCode(copy[at] as number))}`;
              const what = `a ${file.length}-byte ${file === binary ? 'binary' : 'armored'} file, ${change}: native ${'ok' in got ? 'decrypts' : 'refuses'}, age-encryption ${'ok' in expected ? 'decrypts' : 'refuses'}`;
              expect(got, `age -d disagrees with the native decrypter on ${what}`).toEqual(ageCli(copy, keyFile));
              refereed.push(what);
            }
            compared++;
          }
        }
      }
    }
    // Enough cases ran, and the valid ones decrypted (a decrypter that refused everything would agree on the rest).
    expect(valid).toBe(5 * 2 * (2 + 3) + 4 * 2 * 2);
    expect(compared).toBeGreaterThan(10_000);
    // What age-encryption alone accepts: the END line of the armor followed by whitespace other than a
    // newline (tab, vertical tab, form feed, space), which age refuses ("invalid closing line").
    expect(refereed.length).toBeGreaterThanOrEqual(4 * 9);
    expect(refereed.filter((what) => !/^a \d+-byte armored file, byte \d+ "\\n" → "(\\t|\\u000b|\\f| )": native refuses, age-encryption decrypts$/.test(what)), 'other disagreements').toEqual([]);
  }, 300_000);
});
