import { isScalar, isSeq } from '../yaml.js';
import { getNode, resolveNode, scalarString } from '../read.js';
import { healthcheckOf, isTrue } from '../services.js';
import { parseDuration } from '../../text/units.js';
import type { ComposeRule } from './rule.js';

const PG_ISREADY = '`test: ["CMD-SHELL", "pg_isready -U \\"$${POSTGRES_USER}\\" -d \\"$${POSTGRES_DB}\\""]`';

/**
 * `compose.healthcheck`: a healthcheck that runs (a test, CMD or CMD-SHELL, not disabled), `pg_isready` for the
 * database, durations podman reads, a timeout shorter than the interval, whole-number retries.
 */
export const healthcheckRule: ComposeRule = {
  ids: ['compose.healthcheck'],
  service(service, { isDb, app, at, add }) {
    const db = isDb(service);
    const { pair, map: hc } = healthcheckOf(service);
    const rule = 'compose.healthcheck';
    if (!pair || !hc) {
      add({
        severity: 'warning',
        rule,
        line: pair ? at(pair, service.line) : service.line,
        message: `service "${service.name}" has no healthcheck: nothing reports it as unhealthy${db ? ', and `depends_on: condition: service_healthy` cannot wait for it' : ''}`,
        fix: db
          ? 'add `healthcheck: { test: ["CMD-SHELL", "pg_isready -U \\"$${POSTGRES_USER}\\" -d \\"$${POSTGRES_DB}\\""], interval: 10s, timeout: 5s, retries: 5, start_period: 10s }`'
          : 'add a `healthcheck:` with test, interval, timeout and retries',
      });
      return;
    }
    const line = at(pair, service.line);
    const disable = getNode(hc, 'disable');
    if (isTrue(disable)) {
      add({ severity: 'warning', rule, line: at(disable, line), message: `the healthcheck of service "${service.name}" is disabled`, fix: 'remove `disable: true` and give it a test' });
      return;
    }
    const test = getNode(hc, 'test');
    let command: string | undefined;
    if (!test) {
      add({
        severity: 'warning',
        rule,
        line,
        message: `the healthcheck of service "${service.name}" has no \`test\`: it relies on a HEALTHCHECK in the image`,
        fix: 'add `test: ["CMD-SHELL", "<command that fails when the service is down>"]`',
      });
    } else if (isSeq(test)) {
      const parts = test.items.map((item) => scalarString(resolveNode(item)));
      const kind = parts[0];
      if (kind === 'NONE') {
        add({ severity: 'warning', rule, line: at(test, line), message: `the healthcheck of service "${service.name}" is disabled (NONE)`, fix: 'give it a real test' });
        return;
      }
      if ((kind !== 'CMD' && kind !== 'CMD-SHELL') || parts.length < 2 || parts.some((p) => p === undefined)) {
        add({
          severity: 'error',
          rule,
          line: at(test, line),
          message: `the healthcheck test of service "${service.name}" must be a string or a list starting with CMD or CMD-SHELL followed by the command`,
          fix: 'write `test: ["CMD-SHELL", "command"]` or `test: ["CMD", "program", "arg"]`',
        });
      } else {
        command = parts.slice(1).join(' ');
      }
    } else {
      command = scalarString(test);
      if (command === undefined || command.trim() === '') {
        add({ severity: 'error', rule, line: at(test, line), message: `the healthcheck test of service "${service.name}" is empty`, fix: 'give it a command' });
      }
    }
    if (db && command !== undefined && !/\bpg_isready\b/.test(command)) {
      add({ severity: 'warning', rule, line: at(test, line), message: `the database service "${service.name}" is not checked with pg_isready`, fix: `use ${PG_ISREADY}` });
    }
    const durations: Record<string, number | undefined> = {};
    for (const field of ['interval', 'timeout', 'start_period', 'start_interval']) {
      const node = getNode(hc, field);
      if (!node) continue;
      const text = isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
      if (text !== undefined && text.includes('$')) continue;
      const ms = text === undefined ? undefined : parseDuration(text);
      if (ms === undefined) {
        add({
          severity: 'error',
          rule,
          line: at(node, line),
          message: `healthcheck ${field} of service "${service.name}" is not a duration`,
          fix: 'write a duration such as `10s`, `1m30s` or `500ms` (a string with a unit)',
        });
      }
      durations[field] = ms;
    }
    const interval = durations['interval'];
    const timeout = durations['timeout'];
    if (interval !== undefined && timeout !== undefined && timeout > interval) {
      add({
        severity: 'warning',
        rule,
        line: at(getNode(hc, 'timeout'), line),
        message: `healthcheck timeout of service "${service.name}" is longer than its interval`,
        fix: `make the timeout shorter than the interval (${app ? `the design: ${app.service}` : 'e.g.'} 10s of 30s)`,
      });
    }
    const retries = getNode(hc, 'retries');
    if (retries) {
      const text = scalarString(retries);
      if (text === undefined || (!text.includes('$') && !/^\d+$/.test(text))) {
        add({ severity: 'error', rule, line: at(retries, line), message: `healthcheck retries of service "${service.name}" is not a whole number`, fix: 'write e.g. `retries: 3`' });
      }
    }
  },
};
