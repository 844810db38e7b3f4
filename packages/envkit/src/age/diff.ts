import { createHmac, randomBytes } from 'node:crypto';
import type { EnvDocument } from '../dotenv/document.js';

/** How one key compares between two environments. */
export interface KeyDiff {
  key: string;
  status: 'same' | 'different' | 'only-left' | 'only-right';
  /** Fingerprints of the values (absent on the side that lacks the key). */
  left?: string;
  right?: string;
}

/**
 * Compare two environments by keys and value fingerprints, never values. A fingerprint is HMAC-SHA256 of
 * the value under a key drawn at random for this one comparison, cut to 8 hex digits: equal values show
 * equal fingerprints within one result, and nothing else can be learnt — not across runs, and not by
 * hashing guesses, since the key is never shown.
 */
export function diffDocuments(left: EnvDocument, right: EnvDocument): KeyDiff[] {
  const secret = randomBytes(32);
  const print = (value: string) => createHmac('sha256', secret).update(value, 'utf8').digest('hex').slice(0, 8);
  const a = left.toObject();
  const b = right.toObject();
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.map((key): KeyDiff => {
    if (!(key in b)) return { key, status: 'only-left', left: print(a[key] as string) };
    if (!(key in a)) return { key, status: 'only-right', right: print(b[key] as string) };
    return { key, status: a[key] === b[key] ? 'same' : 'different', left: print(a[key] as string), right: print(b[key] as string) };
  });
}
