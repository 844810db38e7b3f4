import { volumesOf } from '../services.js';
import type { ComposeRule } from './rule.js';

/**
 * `compose.source-mount` and `compose.env-mount`: no bind mount of the project directory (the container would
 * run the working tree and read `.env`) and none of a `.env` file. Errors: either hands every secret over.
 */
export const mountsRule: ComposeRule = {
  ids: ['compose.source-mount', 'compose.env-mount'],
  service(service, { at, add }) {
    for (const mount of volumesOf(service)) {
      if (mount.kind !== 'bind' || mount.source === undefined) continue;
      const source = mount.source.replace(/\/+$/, '');
      if (['.', '..', '$PWD', '${PWD}', ''].includes(source) || /^\$\{PWD[:?-]/.test(source)) {
        add({
          severity: 'error',
          rule: 'compose.source-mount',
          line: at(mount.node, service.line),
          message: `service "${service.name}" bind-mounts the project directory: the container runs the working tree and can read .env`,
          fix: 'remove the mount and build the code into the image; pass settings through `environment:` with ${VAR}',
        });
      } else if (/(^|\/)\.env(\.(?!example$)[\w.-]+)?$/.test(source)) {
        add({
          severity: 'error',
          rule: 'compose.env-mount',
          line: at(mount.node, service.line),
          message: `service "${service.name}" mounts a .env file into the container: every secret in it is readable there`,
          fix: 'remove the mount; give the service only the variables it needs under `environment:` with ${VAR}',
        });
      }
    }
  },
};
