import { environmentOf } from '../services.js';
import { tokenizeTemplate } from '../references.js';
import type { ComposeRule } from './rule.js';

const SECRET_NAME_PARTS = new Set(['PASSWORD', 'PASSWD', 'PASS', 'SECRET', 'TOKEN', 'KEY', 'APIKEY', 'PRIVATE', 'CREDENTIALS']);
const NOT_SECRET_SUFFIXES = ['_FILE', '_PATH', '_DIR', '_URL_FILE'];
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*:([^/?#@\s]+)@/i;

/**
 * `compose.secret-on-argv` and `compose.literal-secret` for `environment:` entries: an entry that interpolates
 * a secret of `.env` (podman-compose puts the value on podman's argv), and a secret-named entry or a URL with a
 * password written literally. Findings name the entry, never its value.
 */
export const environmentRule: ComposeRule = {
  ids: ['compose.secret-on-argv', 'compose.literal-secret'],
  service(service, { secretValues, at, add }) {
    for (const entry of environmentOf(service)) {
      if (entry.value === undefined || entry.value === '') continue;
      const line = at(entry.node, service.line);
      const tokens = tokenizeTemplate(entry.value);
      const literal = !tokens.some((t) => t.kind === 'reference');
      const secretRefs = [...new Set(tokens.flatMap((t) => (t.kind === 'reference' && t.name !== undefined && secretValues.has(t.name) ? [t.name] : [])))];
      if (secretRefs.length > 0) {
        add({
          severity: 'warning',
          rule: 'compose.secret-on-argv',
          line,
          message: `${entry.name} of service "${service.name}" interpolates the secret ${secretRefs.join(', ')}: podman-compose starts the container with \`podman run -e ${entry.name}=<value>\`, so the value is on podman's argv, visible in \`ps\` to every user of the host`,
          fix: `remove the entry and load the variables with \`env_file: .env\` (podman reads the file itself); docker compose does not put it on an argv`,
          key: entry.name,
        });
      }
      const upper = entry.name.toUpperCase();
      const secretName =
        !NOT_SECRET_SUFFIXES.some((suffix) => upper.endsWith(suffix)) && upper.split(/[^A-Z0-9]+/).some((part) => SECRET_NAME_PARTS.has(part));
      if (secretName && literal) {
        add({
          severity: 'error',
          rule: 'compose.literal-secret',
          line,
          message: `${entry.name} of service "${service.name}" is written literally in the compose file`,
          fix: `move the value to .env and write \`${entry.name}: \${${entry.name}}\`; rotate it if the file was ever shared`,
          key: entry.name,
        });
        continue;
      }
      const url = URL_WITH_PASSWORD.exec(entry.value);
      if (url && !(url[1] as string).includes('$')) {
        add({
          severity: 'error',
          rule: 'compose.literal-secret',
          line,
          message: `${entry.name} of service "${service.name}" holds a URL with a literal password`,
          fix: `keep the whole URL in .env and write \`${entry.name}: \${${entry.name}}\``,
          key: entry.name,
        });
      }
    }
  },
};
