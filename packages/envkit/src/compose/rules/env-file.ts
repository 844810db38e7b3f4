import { dotEnvFilesOf } from '../services.js';
import type { ComposeRule } from './rule.js';

/**
 * `compose.env-file`: a service that loads the whole `.env` gets every variable in it. The design the memu
 * example uses: podman reads the file itself (`--env-file`), so no value is on any argv, at the price of every
 * service seeing every variable. A note, not a warning.
 */
export const envFileRule: ComposeRule = {
  ids: ['compose.env-file'],
  service(service, { at, add }) {
    for (const { node } of dotEnvFilesOf(service)) {
      add({
        severity: 'info',
        rule: 'compose.env-file',
        line: at(node, service.line),
        message: `service "${service.name}" loads the whole .env: it receives every variable in it, other services' secrets included (podman reads the file itself, so no value is on any argv)`,
        fix: 'nothing to do for a stack whose services trust each other; otherwise give the service an env file of its own',
      });
    }
  },
};
