import type { EnvDocument } from '../dotenv/document.js';
import type { Finding } from '../findings.js';
import type { EnvSchema } from '../schema/define.js';
import { unconfirmedKeys } from './confirm-default.js';
import { stripUrlCredentials, urlHasCredentials } from '../secrets/url-credentials.js';

/**
 * Findings about what values are, beyond their validity: a password inside the URL of a variable that is not
 * secret (printed in clear by tools that trust the schema's `secret` flag, copied into logs and tickets), and a
 * default that is one deployment's value, written by init without asking (marked in the file, see confirm-default.ts).
 * Never carries a value: a fix names the URL without its credentials only.
 */
export function valueFindings(doc: EnvDocument, schema: EnvSchema, file: string): Finding[] {
  const findings: Finding[] = [];
  for (const entry of doc.entries()) {
    const spec = schema.vars[entry.key];
    if (spec?.secret !== false || !urlHasCredentials(entry.value)) continue;
    const bare = stripUrlCredentials(entry.value);
    findings.push({
      severity: 'warning',
      rule: 'env.url-credentials',
      key: entry.key,
      file,
      line: entry.line,
      message: `${entry.key} is not a secret but its URL carries credentials (user:password@): they are shown wherever the value is`,
      // The URL without its userinfo is not secret; it is what the fix writes.
      fix: `remove them: set ${entry.key} to the URL without them (give the service its credentials another way)`,
      hint: { code: 'strip-url-credentials', key: entry.key, value: bare },
    });
  }
  for (const key of unconfirmedKeys(doc, schema)) {
    const entry = doc.entry(key);
    if (entry === undefined) continue;
    findings.push({
      severity: 'info',
      rule: 'env.unconfirmed-default',
      key,
      file,
      line: entry.line,
      message: `${key} holds the schema's default, written without asking: it is one deployment's value, not checked for this one`,
      // The value is shown only for a variable that is not secret (a default of a secret would be odd, but never shown).
      fix: `set ${key} to this deployment's value (the same value, if it is right for this deployment)`,
      hint: { code: 'confirm-default', key, ...(schema.vars[key]?.secret ? {} : { value: entry.value }) },
    });
  }
  return findings;
}
