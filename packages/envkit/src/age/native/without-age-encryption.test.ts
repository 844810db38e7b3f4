// Decrypting needs no age-encryption at all: with the module unloadable, decryptText opens an age file (the
// CCTV x25519 vector) and loadIdentities gives each identity its recipient.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { testdir } from '../../../../../test/helpers/testdir.js';
import { decryptText } from '../cipher.js';
import { loadIdentities } from '../identity-store.js';

vi.mock('../load.js', () => ({
  loadAge: () => {
    throw new Error('age-encryption must not be loaded to decrypt');
  },
}));

const vector = readFileSync(new URL('../../../../../test/fixtures/cctv-age/armor_x25519', import.meta.url), 'latin1');
const field = (key: string) => (vector.match(new RegExp(`^${key}: (.*)$`, 'm')) as RegExpMatchArray)[1] as string;

describe('decrypting without age-encryption', () => {
  it('opens an age file and names the recipients of the identities it loads', async () => {
    const text = await decryptText(Buffer.from(vector.slice(vector.indexOf('\n\n') + 2), 'latin1'), [field('identity')], 'x.age');
    expect(createHash('sha256').update(text).digest('hex')).toBe(field('payload'));
    const file = join(testdir(), 'key.txt');
    writeFileSync(file, `${field('identity')}\n`);
    // What `age-keygen -y` prints for CCTV's test identity.
    expect(await loadIdentities({ files: [file], keyring: 'off' })).toEqual([
      { identity: field('identity'), recipient: 'age1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4q47ryef', source: { kind: 'file', path: file } },
    ]);
  });
});
