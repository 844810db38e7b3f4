// decryptText on the native path: which message each kind of damage gets, and the order of age's checks.
import { describe, expect, it, vi } from 'vitest';
import { rejected } from '../../../../../test/helpers/errors.js';
import { decryptText, encryptText } from '../cipher.js';
import { loadAge } from '../load.js';
import { decryptAgeFile } from './decrypt.js';
import { AgeFailure } from './failure.js';
import { x25519Key, x25519Recipient } from './x25519.js';

// Every file key unwrapped, to see what became of it (the real unwrapping, only watched).
const fileKeys = vi.hoisted(() => [] as Buffer[]);
vi.mock('./x25519.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./x25519.js')>();
  return {
    ...real,
    unwrapFileKey: (...args: Parameters<typeof real.unwrapFileKey>) => {
      const fileKey = real.unwrapFileKey(...args);
      if (fileKey !== undefined) fileKeys.push(fileKey);
      return fileKey;
    },
  };
});

const TEXT = 'POSTGRES_PASSWORD=s3cr3t-Qx7vN2mL9pR4\n';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

async function sealed(): Promise<{ identity: string; binary: Buffer; armored: Buffer }> {
  const identity = await (await loadAge()).generateX25519Identity();
  const recipient = x25519Recipient(x25519Key(identity));
  return { identity, binary: Buffer.from(await encryptText(TEXT, [recipient], { armor: false })), armored: Buffer.from(await encryptText(TEXT, [recipient])) };
}

const reason = async (bytes: Uint8Array, identity: string): Promise<string> => (await rejected(decryptText(bytes, [identity], 'x.age'))).message.replace('x.age cannot be decrypted: ', '');

describe('native decryptText', () => {
  it('names the part at fault: armor, header, its MAC, the payload', async () => {
    const { identity, binary, armored } = await sealed();
    expect(await decryptText(binary, [identity], 'x.age')).toBe(TEXT);

    const lines = armored.toString('latin1').split('\n');
    lines[1] = `${lines[1]}A`;
    expect(await reason(Buffer.from(lines.join('\n'), 'latin1'), identity)).toBe('its ASCII armor is malformed (a line edited, added or removed)');
    // age refuses anything but a newline (or CRLF) after the END line; age-encryption would trim it.
    expect(await reason(Buffer.concat([armored.subarray(0, -1), Buffer.from('\v')]), identity)).toBe('its ASCII armor is malformed (a line edited, added or removed)');
    expect(await decryptText(Buffer.concat([Buffer.from('\n \t\r\n'), armored.subarray(0, -1), Buffer.from('\r\n  \n')]), [identity], 'x.age')).toBe(TEXT);

    const text = binary.toString('latin1');
    // The share's last base64 character with a low bit set: the same bytes in non-canonical base64.
    const shareEnd = text.indexOf('\n', text.indexOf('-> X25519 ')) - 1;
    const shareChar = BASE64.indexOf(text[shareEnd] as string);
    const share = Buffer.from(binary);
    share[shareEnd] = BASE64.charCodeAt(shareChar ^ 1);
    expect(await reason(share, identity)).toBe('its header is malformed (edited or damaged)');

    const macAt = text.indexOf('--- ') + 4;
    const mac = Buffer.from(binary);
    mac[macAt] = mac[macAt] === 0x41 ? 0x42 : 0x41;
    expect(await reason(mac, identity)).toBe("its header fails age's authentication check (edited or damaged)");
    // A bad MAC is found before the payload is touched, whatever state the payload is in.
    const both = Buffer.from(mac);
    both[both.length - 1] = (both[both.length - 1] as number) ^ 1;
    expect(await reason(both, identity)).toBe("its header fails age's authentication check (edited or damaged)");

    const payload = Buffer.from(binary);
    payload[payload.length - 1] = (payload[payload.length - 1] as number) ^ 1;
    expect(await reason(payload, identity)).toBe("its contents fail age's authentication check (edited, damaged or cut short)");
    // Cut inside the nonce, right after the header, and by one byte.
    for (const end of [text.indexOf('\n', macAt) + 9, text.indexOf('\n', macAt) + 1, binary.length - 1]) {
      expect(await reason(binary.subarray(0, end), identity)).toBe("its contents fail age's authentication check (edited, damaged or cut short)");
    }
    expect(await reason(Buffer.concat([binary, Buffer.from('x')]), identity)).toBe("its contents fail age's authentication check (edited, damaged or cut short)");
  });

  it('zeroes the file key once the file is decrypted, or refused for its MAC or its payload', async () => {
    const { identity, binary } = await sealed();
    const text = binary.toString('latin1');
    const mac = Buffer.from(binary);
    const macAt = text.indexOf('--- ') + 4;
    mac[macAt] = mac[macAt] === 0x41 ? 0x42 : 0x41;
    const payload = Buffer.from(binary);
    payload[payload.length - 1]! ^= 1;
    fileKeys.length = 0;
    expect(decryptAgeFile(binary, false, [x25519Key(identity)]).toString()).toBe(TEXT);
    expect(() => decryptAgeFile(mac, false, [x25519Key(identity)])).toThrow(new AgeFailure('hmac'));
    expect(() => decryptAgeFile(payload, false, [x25519Key(identity)])).toThrow(new AgeFailure('payload'));
    expect(fileKeys).toHaveLength(3);
    for (const fileKey of fileKeys) expect(fileKey.every((byte) => byte === 0)).toBe(true);
  });

  it('tries every identity on every stanza, and throws nothing but AgeFailure for a damaged file', async () => {
    const { identity, binary } = await sealed();
    const stranger = (await sealed()).identity;
    expect(decryptAgeFile(binary, false, [stranger, identity].map((identity) => x25519Key(identity))).toString()).toBe(TEXT);
    expect(() => decryptAgeFile(binary, false, [x25519Key(stranger)])).toThrow(new AgeFailure('no-match'));
    for (let at = 0; at < binary.length; at += 7) {
      const copy = Buffer.from(binary);
      copy[at] = (copy[at] as number) ^ 0x80;
      expect(() => decryptAgeFile(copy, false, [x25519Key(identity)])).toThrow(AgeFailure);
    }
  });
});
