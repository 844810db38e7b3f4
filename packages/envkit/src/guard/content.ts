import { MultiMatcher } from './matcher.js';
import { needlesFor, type Encoding } from './needles.js';
import type { SecretValue } from './sources.js';

/** Something found in a blob's bytes: a secret (by key, never its value) or an age secret key. */
export type ContentHit =
  /**
   * `environments`: the encrypted environments whose value of `key` it is; `plain`: the env file or the keyring
   * holds it too (or only they do).
   */
  | { kind: 'secret'; key: string; encoding: Encoding; line: number; environments: string[]; plain: boolean }
  | { kind: 'age-key'; line: number };

const AGE_KEY_PREFIX = 'AGE-SECRET-KEY-';
// After the prefix: `1` (or a variant's name first, as newer age's post-quantum `PQ-1`), then the data of the
// identity: at least 58 characters of the bech32 alphabet, upper case as age writes it.
const AGE_KEY_REST = /^(?:[A-Z0-9]{1,16}-)?1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/;

/**
 * Searches bytes for the given secret values (in every encoding {@link needlesFor} makes) and for age
 * secret keys, in one pass. Each hit names its key and 1-based line (lines end at `\n`, in binary data
 * too), never the bytes matched; a key found several times on one line is one hit.
 */
/** A key a needle stands for, and where that value is held. */
interface Holder {
  key: string;
  environments: string[];
  plain: boolean;
}

export class ContentScanner {
  private readonly matcher: MultiMatcher;
  /** Per needle: which keys it stands for (two keys may share a value) and how it is encoded; `undefined` for the age prefix. */
  private readonly meaning: ({ keys: Holder[]; encoding: Encoding } | undefined)[] = [];
  /** The keys whose values were too short to search for. */
  readonly shortKeys: string[] = [];

  constructor(secrets: readonly SecretValue[]) {
    const byBytes = new Map<string, number>();
    const needles: Buffer[] = [Buffer.from(AGE_KEY_PREFIX, 'latin1')];
    this.meaning.push(undefined);
    for (const { key, value, environment } of secrets) {
      const made = needlesFor(value);
      if (made.length === 0 && !this.shortKeys.includes(key)) this.shortKeys.push(key);
      for (const needle of made) {
        const id = needle.bytes.toString('latin1');
        const known = byBytes.get(id);
        const meaning = known === undefined ? { keys: [], encoding: needle.encoding } : this.meaning[known]!;
        if (known === undefined) {
          byBytes.set(id, needles.length);
          needles.push(needle.bytes);
          this.meaning.push(meaning);
        }
        let holder = meaning.keys.find((h) => h.key === key);
        if (holder === undefined) meaning.keys.push((holder = { key, environments: [], plain: false }));
        if (environment === undefined) holder.plain = true;
        else if (!holder.environments.includes(environment)) holder.environments.push(environment);
      }
    }
    this.matcher = new MultiMatcher(needles);
  }

  /** The hits in `bytes`, in file order. */
  scan(bytes: Buffer): ContentHit[] {
    const hits: ContentHit[] = [];
    const seen = new Set<string>();
    // Matches come in ascending offsets, so lines are counted once, forward.
    let line = 1;
    let counted = 0;
    const lineAt = (offset: number): number => {
      for (;;) {
        const newline = bytes.indexOf(0x0a, counted);
        if (newline === -1 || newline >= offset) break;
        line++;
        counted = newline + 1;
      }
      counted = Math.max(counted, offset);
      return line;
    };
    this.matcher.search(bytes, (needle, offset) => {
      const meaning = this.meaning[needle];
      const at = lineAt(offset);
      if (meaning === undefined) {
        const start = offset + AGE_KEY_PREFIX.length;
        if (AGE_KEY_REST.test(bytes.toString('latin1', start, start + 76)) && !seen.has(`age:${at}`)) {
          seen.add(`age:${at}`);
          hits.push({ kind: 'age-key', line: at });
        }
        return;
      }
      for (const { key, environments, plain } of meaning.keys) {
        if (seen.has(`${key}:${at}`)) continue;
        seen.add(`${key}:${at}`);
        hits.push({ kind: 'secret', key, encoding: meaning.encoding, line: at, environments: [...environments], plain });
      }
    });
    return hits;
  }
}
