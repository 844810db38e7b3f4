/** What stands in for a URL's password (or a userinfo that is a token) when it is shown. */
const MASK = '********';

// scheme "://" userinfo "@": the userinfo ends at the first "/", "?" or "#" (RFC 3986 3.2.1); the last "@"
// before that ends it, as WHATWG URL reads it. A scan, not a backtracking pattern: values can be large.
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** Where the credentials of a URL value are: the userinfo's span, and the password's within it. */
interface UserinfoSpan {
  /** Index of the first userinfo character (after `//`). */
  start: number;
  /** Index of the `@` that ends it. */
  end: number;
  /** Index of the `:` between user and password, or -1 when there is no password. */
  colon: number;
}

function userinfoOf(value: string): UserinfoSpan | undefined {
  const scheme = SCHEME.exec(value);
  if (!scheme) return undefined;
  const start = scheme[0].length;
  let at = -1;
  let i = start;
  for (; i < value.length; i++) {
    const c = value[i];
    if (c === '/' || c === '?' || c === '#') break;
    if (c === '@') at = i;
  }
  if (at < 0) return undefined;
  const colon = value.indexOf(':', start);
  return { start, end: at, colon: colon >= 0 && colon < at ? colon : -1 };
}

/**
 * Whether `value` is a URL that carries credentials: a password (`scheme://user:password@host`) or a
 * userinfo alone, which is how tokens are passed (`https://<token>@host`). An empty password counts as none.
 *
 * @example
 * urlHasCredentials('http://u:SECRET@h:9/api'); // true
 * urlHasCredentials('http://h:9/api');          // false
 */
export function urlHasCredentials(value: string): boolean {
  const span = userinfoOf(value);
  if (!span) return false;
  return span.colon < 0 ? span.end > span.start : span.end > span.colon + 1;
}

/**
 * `value` with the credentials of a URL replaced by `********`: the password (the user name is kept), or a
 * userinfo without a password whole (it is then usually a token). Any other value is returned unchanged.
 *
 * @example
 * maskUrlCredentials('http://u:SECRET@h:9/api'); // 'http://u:********@h:9/api'
 */
export function maskUrlCredentials(value: string): string {
  if (!urlHasCredentials(value)) return value;
  const span = userinfoOf(value)!;
  const keep = span.colon < 0 ? span.start : span.colon + 1;
  return `${value.slice(0, keep)}${MASK}${value.slice(span.end)}`;
}

/** `value` without its userinfo (`scheme://host...`): the form a fix suggests for a URL that should carry none. */
export function stripUrlCredentials(value: string): string {
  const span = userinfoOf(value);
  return span ? `${value.slice(0, span.start)}${value.slice(span.end + 1)}` : value;
}
