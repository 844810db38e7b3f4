// Sizes and durations as compose files write them, read the way the tools that run them read them
// (docs/compose-rules.md, "Sizes and durations"). One parser for the compose rules and for a schema's
// variables that end up in a compose file (memu's memory limits), so the two never disagree.

/** A byte size read by {@link parseByteSize}. */
export interface ByteSize {
  /** The size in bytes, truncated to a whole number as go-units does. */
  bytes: number;
  /** The unit letter, lower case (`k`, `m`, `g`, `t`, `p`), or `''` for plain bytes (`1024`, `1024b`). */
  prefix: '' | 'k' | 'm' | 'g' | 't' | 'p';
  /**
   * Written as the compose specification documents byte values: an amount and `b`, `k`/`kb`, `m`/`mb` or
   * `g`/`gb` (any case), nothing else. `1gib`, `2t`, `2 g` and a bare `1024` are sizes to docker and
   * podman, but not in that form.
   */
  documented: boolean;
}

// docker/go-units `sizeRegex`, which RAMInBytes (docker, podman, compose-go's UnitBytes) matches: digits with
// optional `.digits` groups, an optional space, a unit letter, an optional `i` and an optional `b`, any case.
const GO_UNITS_SIZE = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i;
const PREFIXES = ['', 'k', 'm', 'g', 't', 'p'] as const;

/**
 * The compose specification's documented byte value, as a pattern (for a JSON Schema `pattern` and a zod
 * `.regex`): an amount (`2`, `1.5`) and b, k, kb, m, mb, g or gb, any case. A unit is required: a plain
 * number means bytes, which a memory limit never wants.
 */
export const COMPOSE_BYTE_VALUE = /^[0-9]+(\.[0-9]+)?([bBkKmMgG]|[kKmMgG][bB])$/;

/**
 * A size the way docker's go-units `RAMInBytes` reads it (what `mem_limit` goes through in docker compose,
 * podman-compose and podman): `512m`, `1g`, `1.5g`, `1024k`, `8G`, `512MiB`, `1 g`, bytes without a unit;
 * binary multiples (k = 1024). `undefined` for anything it refuses: `1.2.3g` matches go-units' pattern but
 * not Go's ParseFloat, a surrounding space is not trimmed.
 */
export function parseByteSize(text: string): ByteSize | undefined {
  const m = GO_UNITS_SIZE.exec(text);
  if (!m) return undefined;
  const amount = m[1] as string;
  if (!/^\d+(?:\.\d+)?$/.test(amount)) return undefined; // ParseFloat refuses a second '.'
  const prefix = ((m[2] ?? '').toLowerCase() as ByteSize['prefix']);
  const bytes = Math.trunc(Number(amount) * 1024 ** PREFIXES.indexOf(prefix));
  return { bytes, prefix, documented: COMPOSE_BYTE_VALUE.test(text) };
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration the way Go's `time.ParseDuration` reads it, in milliseconds: `10s`, `1m30s`, `500ms`, `1.5h`,
 * `0`. That is what podman takes for `--health-interval` and the like; docker compose reads durations with
 * str2duration, which also knows `d` and `w`, but podman-compose hands the text to podman, so a `1d` works
 * with one and not the other and counts as no duration here. `undefined` for anything else (`30`, `10 s`).
 */
export function parseDuration(text: string): number | undefined {
  let index = 0;
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    sign = text.startsWith('-') ? -1 : 1;
    index = 1;
  }
  if (text.slice(index) === '0') return 0;
  if (index >= text.length) return undefined;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  re.lastIndex = index;
  let total = 0;
  while (index < text.length) {
    const m = re.exec(text);
    if (!m || m.index !== index) return undefined;
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    index = re.lastIndex;
  }
  return sign * total;
}
