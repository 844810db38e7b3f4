import { walkScalars } from '../yaml.js';
import type { ComposeRule } from './rule.js';

/** Values shorter than this are not searched for as secrets: short common strings would match by accident. */
export const MIN_SECRET_LENGTH = 8;

/**
 * `compose.literal-secret` anywhere in the file: a secret value of `.env` (8 characters or more) written into
 * it. Each key is reported once per line; the finding names the key, never the value.
 */
export const literalValuesRule: ComposeRule = {
  ids: ['compose.literal-secret'],
  file({ file, secretValues, rotateTarget, at, add }) {
    const secrets = [...secretValues].filter(([, v]) => v.length >= MIN_SECRET_LENGTH);
    if (secrets.length === 0) return;
    const reported = new Set<string>();
    walkScalars(file.doc.contents, (node) => {
      if (typeof node.value !== 'string') return;
      for (const [key, secret] of secrets) {
        if (!node.value.includes(secret)) continue;
        const line = at(node, 1);
        if (reported.has(`${key}:${line}`)) continue;
        reported.add(`${key}:${line}`);
        add({
          severity: 'error',
          rule: 'compose.literal-secret',
          line,
          message: `the value of ${key} is written literally in the compose file`,
          fix: `replace it with \${${key}}; then rotate it if the file was ever shared`,
          key,
          hint: { code: 'replace-and-rotate', key, rotate: rotateTarget(key) },
        });
      }
    });
  },
};
