import type { Finding, HeldAt } from '../findings.js';
import type { EnvSchema } from '../schema/define.js';
import { placeholderReason } from '../schema/placeholders.js';
import { parseDocument } from '../dotenv/document.js';
import { rotateTarget } from '../schema/rotate-target.js';
import { readComposeText } from '../compose/read.js';
import { checkHardening, MIN_SECRET_LENGTH } from '../compose/hardening.js';

/*
 * The rules that read a file by its kind (pathKind): an example that holds a real secret, a compose file
 * with a secret written literally. Findings name file:line and the key, never the value.
 */

/**
 * The secrets of the schema that `.env.example` text gives a value that is not a placeholder (and 8
 * characters or more): an example leaves every secret empty (`envkit example` writes it so), so a value
 * there is most likely a real one. `commit`: the text is of that commit, not of the next one; `held`: where
 * the secrets it serves are held (their rotation).
 */
export function exampleFindings(text: string, path: string, schema: EnvSchema, commit?: string, held: HeldAt = {}): Finding[] {
  const findings: Finding[] = [];
  for (const entry of parseDocument(text).entries()) {
    const spec = schema.vars[entry.key];
    // A short value is not taken for a secret here either (`none`, `x`, `secret`): see MIN_SECRET_LENGTH.
    if (!spec?.secret || [...entry.value].length < MIN_SECRET_LENGTH || placeholderReason(entry.value, spec) !== undefined) continue;
    findings.push({
      severity: 'error',
      rule: 'guard.example-value',
      key: entry.key,
      file: path,
      line: entry.line,
      message: `${entry.key} has a value in the example, and it is a secret: an example leaves secrets empty`,
      fix: `empty it (the example is written from the schema)${commit === undefined ? ' and stage it again' : ''}; if the value is real and was pushed, rotate it`,
      hint: { code: 'example-secret', key: entry.key, file: path, ...(commit === undefined ? {} : { commit }), rotate: rotateTarget(schema, entry.key), ...held },
    });
  }
  return findings;
}

/**
 * The literal secrets of compose text: the `compose.literal-secret` rule of `envkit check` (a secret-named
 * variable or a URL with a password written in `environment:`), reused as is. A file that does not parse
 * yields none here; its bytes are still searched for the project's values.
 */
export async function composeFindings(text: string, path: string): Promise<Finding[]> {
  const file = await readComposeText(text, path);
  return checkHardening(file).filter((f) => f.rule === 'compose.literal-secret');
}
