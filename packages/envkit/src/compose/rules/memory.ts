import { scalarString } from '../read.js';
import { literalOrDefault, memoryLimitsOf } from '../services.js';
import { parseByteSize } from '../../text/units.js';
import type { ComposeRule, RuleContext } from './rule.js';

/** `compose.memory`: a memory limit on every service, one docker and podman read as a size. */
export const memoryRule: ComposeRule = {
  ids: ['compose.memory'],
  service(service, context) {
    const { at, add } = context;
    const present = memoryLimitsOf(service);
    if (present.length === 0) {
      add({
        severity: 'warning',
        rule: 'compose.memory',
        line: service.line,
        message: `service "${service.name}" has no memory limit: a leak can take the whole host down`,
        fix: addLimit(context),
      });
      return;
    }
    for (const node of present) {
      const text = scalarString(node);
      const candidate = text === undefined ? undefined : literalOrDefault(text);
      if (candidate === null) continue; // depends on a variable without a default: checked in .env
      if (candidate === undefined || parseByteSize(candidate) === undefined) {
        add({
          severity: 'error',
          rule: 'compose.memory',
          line: at(node, service.line),
          message: `the memory limit of service "${service.name}" is not a size`,
          fix: 'write a number with b, k, m or g, e.g. `2g` or `512m`',
        });
      }
    }
  },
};

/** The fix of a missing limit: the profile's memory variables with their defaults, else a plain size. */
function addLimit({ app, database, defaultOf }: RuleContext): string {
  const ref = (key: string): string => {
    const value = defaultOf(key);
    return `\${${key}${value === undefined ? '' : `:-${value}`}}`;
  };
  const forDb = database?.memoryKey === undefined ? '' : ` (or ${ref(database.memoryKey)} for the database)`;
  return app?.memoryKey === undefined ? 'add `mem_limit:` with a size, e.g. `mem_limit: 1g`' : `add \`mem_limit: ${ref(app.memoryKey)}\`${forDb}`;
}
