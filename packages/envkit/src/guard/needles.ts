import { MIN_SECRET_LENGTH } from '../compose/hardening.js';
import { encodeUserinfo } from '../secrets/derive.js';

/** How a secret value was written where it was found. */
export type Encoding = 'raw' | 'url-encoded' | 'base64';

/** One byte sequence to look for, and the secret it stands for. Holds a value: never print or log one. */
export interface Needle {
  bytes: Buffer;
  encoding: Encoding;
}

/**
 * The byte sequences a paste of `value` would produce: the value itself (UTF-8); the value URL-encoded as
 * inside a DSN (`encodeURIComponent`, the stricter form buildPostgresUrl writes, both with lower-case hex,
 * and the form encoding with `+` for a space); and its base64, standard and URL-safe, at each of the three
 * alignments a value can have inside a longer base64 text. For base64 only the characters that depend on
 * the value's bytes alone are kept, so the value is found wherever it sits in the encoded data.
 * Empty for a value shorter than {@link MIN_SECRET_LENGTH} characters: a short value (`postgres`
 * is 8, `memu` 4) is too likely to occur by chance, and every commit would be blocked for it.
 *
 * @example
 * needlesFor('p@ss word!').map((n) => n.encoding); // ['raw', 'url-encoded', …, 'base64', …]
 */
export function needlesFor(value: string): Needle[] {
  if ([...value].length < MIN_SECRET_LENGTH) return [];
  const seen = new Set<string>();
  const needles: Needle[] = [];
  const add = (text: string, encoding: Encoding): void => {
    if (text.length < 2 || seen.has(text)) return;
    seen.add(text);
    needles.push({ bytes: Buffer.from(text, encoding === 'raw' ? 'utf8' : 'latin1'), encoding });
  };
  add(value, 'raw');
  for (const form of urlForms(value)) {
    add(form, 'url-encoded');
    add(form.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()), 'url-encoded');
  }
  for (const form of base64Forms(Buffer.from(value, 'utf8'))) add(form, 'base64');
  return needles;
}

function urlForms(value: string): string[] {
  try {
    return [encodeURIComponent(value), encodeUserinfo(value, 'value'), new URLSearchParams({ v: value }).toString().slice(2)];
  } catch {
    // An unpaired surrogate cannot be URL-encoded, so no paste holds it in that form.
    return [];
  }
}

/**
 * The base64 text of `bytes` at offsets 0, 1 and 2 of a 3-byte group, standard and URL-safe: the
 * characters whose 6 bits all come from `bytes`. Base64 turns every 3 bytes into 4 characters, so the same
 * bytes encode differently depending on where they start; the characters at either end that share bits
 * with the unknown neighbours are dropped.
 */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const encoded = padded.toString('base64');
    const first = Math.ceil((shift * 8) / 6);
    const end = Math.floor(((shift + bytes.length) * 8) / 6);
    const core = encoded.slice(first, end);
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}
