import type { VarSpec } from './define.js';

interface PlaceholderPattern {
  /** How the pattern is named in the reason: a shape, never the value. */
  readonly name: string;
  readonly test: RegExp;
}

// Whole-value patterns only. Matching inside a value would reject real secrets: a random 32-character
// password contains "xxx" (case-insensitively) about once in a thousand draws.
const GENERIC: readonly PlaceholderPattern[] = [
  { name: 'your-...-here', test: /^(?:[a-z0-9]{1,8}[-_]){0,3}your[-_ ].*[-_ ]here$/i },
  { name: 'your-...', test: /^(?:[a-z0-9]{1,8}[-_]){0,3}your[-_ ]?(?:api[-_ ]?)?(?:key|token|secret|password|pass|user|db)s?$/i },
  { name: 'changeme', test: /^change[-_ ]?(?:me|this|it)$/i },
  { name: 'replace-me', test: /^replace[-_ ]?(?:me|this|it)$/i },
  { name: 'xxx...', test: /^(?:[a-z0-9]{1,8}[-_]){0,3}x{3,}$/i },
  { name: '<...>', test: /^<.*>$/s },
  { name: '...', test: /^(?:[a-z0-9]{1,8}[-_]){0,3}(?:\.{3,}|…)$/i },
  { name: '***', test: /^\*{3,}$/ },
  { name: 'placeholder', test: /^placeholder$/i },
  { name: 'example', test: /^example$/i },
  { name: 'todo', test: /^(?:todo|tbd|fixme)$/i },
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
  for (const pattern of GENERIC) {
    if (pattern.test.test(trimmed)) return `looks like a placeholder (${pattern.name})`;
  }
  return undefined;
}
