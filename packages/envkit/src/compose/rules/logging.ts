import { getNode, scalarString } from '../read.js';
import { loggingOf } from '../services.js';
import type { ComposeRule } from './rule.js';

const ROTATING_DRIVERS = new Set(['json-file', 'k8s-file', 'local']);

/** `compose.logging`: logs that are rotated (a `max-size` for the file drivers; journald & co rotate elsewhere). */
export const loggingRule: ComposeRule = {
  ids: ['compose.logging'],
  service(service, { at, add }) {
    const { pair, map: logging } = loggingOf(service);
    if (!pair || !logging) {
      add({
        severity: 'warning',
        rule: 'compose.logging',
        line: pair ? at(pair, service.line) : service.line,
        message: `service "${service.name}" has no log rotation: its logs grow until the disk is full`,
        fix: 'add `logging: { driver: json-file, options: { max-size: "10m", max-file: "3" } }`',
      });
      return;
    }
    const driver = scalarString(getNode(logging, 'driver'));
    if (driver !== undefined && !ROTATING_DRIVERS.has(driver)) return; // journald, syslog, none…: rotated elsewhere
    if (getNode(logging, 'options', 'max-size') === undefined) {
      add({
        severity: 'warning',
        rule: 'compose.logging',
        line: at(pair, service.line),
        message: `service "${service.name}" logs with ${driver ?? 'the default driver'} without \`max-size\`: the log file is never rotated`,
        fix: 'add `options: { max-size: "10m", max-file: "3" }` under logging',
      });
    }
  },
};
