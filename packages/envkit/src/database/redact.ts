/** What replaces a redacted secret in text shown to the user. */
const REDACTED = '<redacted>';

/** Fragments shorter than this are too likely to match ordinary words to be worth replacing. */
const MIN_SECRET_LENGTH = 4;

/**
 * `text` (a tool's stderr, a driver's error message) with every SCRAM verifier and every occurrence
 * of `secrets` replaced by `<redacted>`. Output from psql or the server is not expected to hold either;
 * this is the last line of defence before text reaches an error message.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/SCRAM-SHA-256\$[^\s'"]*/g, `SCRAM-SHA-256$${REDACTED}`);
  // Longest first, so a secret containing another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= MIN_SECRET_LENGTH) out = out.replaceAll(secret, REDACTED);
  }
  return out;
}

/** The parts of a SCRAM verifier (salt, StoredKey, ServerKey) as separate strings, for {@link redactSecrets}. */
export function verifierParts(verifier: string): string[] {
  return verifier.split(/[$:]/).slice(1).filter((part) => /[A-Za-z+/]/.test(part));
}
