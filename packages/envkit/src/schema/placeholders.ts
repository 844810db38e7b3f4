import type { VarSpec } from './define.js';

interface PlaceholderPattern {
  /** How the pattern is named in the reason: a shape, never the value. */
  readonly name: string;
  /**
   * Text that every match contains, lower-cased: a value with none of them is not tried against `test`.
   * (The patterns match ASCII letters case-insensitively, so a match always holds one after toLowerCase.)
   * Most values hold none, and `envkit check` then never compiles these regexes: about 1 ms of its start.
   */
  readonly needles: readonly string[];
  readonly test: RegExp;
}

// Whole-value patterns only. Matching inside a value would reject real secrets: a random 32-character
// password contains "xxx" (case-insensitively) about once in a thousand draws.
export const GENERIC_PLACEHOLDERS: readonly PlaceholderPattern[] = [
  { name: 'your-...-here', needles: ['your'], test: /^(?:[a-z0-9]{1,8}[-_]){0,3}your[-_ ].*[-_ ]here$/i },
  { name: 'your-...', needles: ['your'], test: /^(?:[a-z0-9]{1,8}[-_]){0,3}your[-_ ]?(?:api[-_ ]?)?(?:key|token|secret|password|pass|user|db)s?$/i },
  { name: 'changeme', needles: ['change'], test: /^change[-_ ]?(?:me|this|it)$/i },
  { name: 'replace-me', needles: ['replace'], test: /^replace[-_ ]?(?:me|this|it)$/i },
  { name: 'xxx...', needles: ['xxx'], test: /^(?:[a-z0-9]{1,8}[-_]){0,3}x{3,}$/i },
  { name: '<...>', needles: ['<'], test: /^<.*>$/s },
  { name: '...', needles: ['...', '…'], test: /^(?:[a-z0-9]{1,8}[-_]){0,3}(?:\.{3,}|…)$/i },
  { name: '***', needles: ['***'], test: /^\*{3,}$/ },
  { name: 'placeholder', needles: ['placeholder'], test: /^placeholder$/i },
  { name: 'example', needles: ['example'], test: /^example$/i },
  { name: 'todo', needles: ['todo', 'tbd', 'fixme'], test: /^(?:todo|tbd|fixme)$/i },
];

/**
 * Why `value` looks like a placeholder rather than a real value, or `undefined` if it does not.
 * Checks the variable's own `placeholders` and `example` (the text of `.env.example`) first, then
 * generic shapes matched against the whole value: `your-...-here`, `changeme`, `change-me`,
 * `replace-me`, `xxx...`, `<...>`, `sk-...`, `placeholder`, `example`, `todo`.
 *
 * The reason names the pattern, never the value, so it is safe for a secret.
 *
 * @example
 * placeholderReason('your-strong-password-here', spec); // 'looks like a placeholder (your-...-here)'
 */
export function placeholderReason(value: string, spec: VarSpec): string | undefined {
  const trimmed = value.trim();
  if (spec.default !== undefined && value === spec.default) return undefined;
  if (spec.placeholders.includes(value) || spec.placeholders.includes(trimmed)) {
    return 'is a known placeholder, not a real value';
  }
  if (spec.example !== undefined && (value === spec.example || trimmed === spec.example)) {
    return 'is the placeholder from .env.example';
  }
  const lower = trimmed.toLowerCase();
  for (const pattern of GENERIC_PLACEHOLDERS) {
    if (!pattern.needles.some((needle) => lower.includes(needle))) continue;
    if (pattern.test.test(trimmed)) return `looks like a placeholder (${pattern.name})`;
  }
  return undefined;
}
