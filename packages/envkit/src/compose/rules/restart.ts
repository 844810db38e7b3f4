import { isScalar } from '../yaml.js';
import { resolveNode, scalarString } from '../read.js';
import { restartOf } from '../services.js';
import { who, type ComposeRule } from './rule.js';

const RESTART_VALUES = new Set(['no', 'always', 'unless-stopped', 'on-failure']);

/** `compose.restart`: a restart policy that brings the service back after a crash; a valid one. */
export const restartRule: ComposeRule = {
  ids: ['compose.restart'],
  service(service, { isDb, app, at, add }) {
    const db = isDb(service);
    const { pair, policy } = restartOf(service);
    if (!pair) {
      if (policy && scalarString(policy) !== 'none') return;
      add({
        severity: 'warning',
        rule: 'compose.restart',
        line: policy ? at(policy, service.line) : service.line,
        message: `${who(service, db)} has no restart policy: it stays down after a crash${db && app ? ` and ${app.service} loses its database` : ''}`,
        fix: 'add `restart: unless-stopped` (with podman, see the podman notes about reboots)',
      });
      return;
    }
    const node = resolveNode(pair.value);
    const raw = isScalar(node) ? node.value : undefined;
    const value = raw === false ? 'no' : scalarString(node);
    const line = at(pair, service.line);
    if (value === undefined) {
      add({ severity: 'error', rule: 'compose.restart', line, message: `restart of service "${service.name}" is not a string`, fix: 'use one of: no, always, unless-stopped, on-failure' });
    } else if (value.includes('$')) {
      return;
    } else if (!RESTART_VALUES.has(value.replace(/:\d+$/, ''))) {
      add({ severity: 'error', rule: 'compose.restart', line, message: `restart of service "${service.name}" is not a valid policy`, fix: 'use one of: no, always, unless-stopped, on-failure[:N]' });
    } else if (value === 'no') {
      add({ severity: 'warning', rule: 'compose.restart', line, message: `${who(service, db)} has \`restart: no\`: it stays down after a crash or reboot`, fix: 'use `restart: unless-stopped`' });
    }
  },
};
