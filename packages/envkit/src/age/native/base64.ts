const ALPHABET = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `text` decoded as canonical base64 — what Go's `Strict()` encodings accept: only the standard alphabet, no
 * line breaks, zero bits after the last character, padding exactly as asked (age's header is unpadded, its
 * armor padded). `undefined` for anything else. Node's own decoder is lenient, so the result is re-encoded
 * and compared.
 */
export function strictBase64(text: string, padded: boolean): Buffer | undefined {
  if (!ALPHABET.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  const canonical = bytes.toString('base64');
  return (padded ? canonical : canonical.replace(/=+$/, '')) === text ? bytes : undefined;
}
