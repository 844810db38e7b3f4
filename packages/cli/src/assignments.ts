import { EnvkitError } from 'envkit';

/** Parse `KEY=VALUE` arguments. The value may contain `=`; it is never echoed in an error. */
export function parseAssignments(items: readonly string[], flag: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) {
      throw new EnvkitError('USAGE', `${flag} expects KEY=VALUE, got an argument ${eq <= 0 ? 'without "="' : `with an invalid key name "${key}"`}`, {
        // `set` is a command and --set an option: the example is what to type for each.
        hint:
          flag === 'set'
            ? 'e.g. `envkit set POSTGRES_USER=memu` (quote the value for your shell); a secret with `envkit set KEY --stdin`, which asks for it'
            : `e.g. ${flag} POSTGRES_USER=memu (quote the value for your shell)`,
      });
    }
    values[key] = item.slice(eq + 1);
  }
  return values;
}
