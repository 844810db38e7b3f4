import { EnvkitError } from './errors.js';

/** An optional peer dependency of envkit (package.json peerDependenciesMeta) and what envkit needs it for. */
export interface OptionalPeer {
  /** The npm package to install, e.g. `pg`. */
  package: string;
  /** How a message names it, e.g. "node-postgres (the pg package)". */
  name: string;
  /** What envkit needs it for, e.g. "to connect to PostgreSQL". */
  purpose: string;
}

/**
 * Loads an optional peer dependency on first use: a tool that never needs it never loads it, and its absence
 * is a TOOL error naming the package to install instead of a module-resolution stack trace. `load` is the
 * `import('…')` itself, with a literal name, so bundlers see the dependency.
 */
export async function importOptionalPeer<T>(load: () => Promise<T>, peer: OptionalPeer): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new EnvkitError('TOOL', `${peer.name} is not installed: envkit needs it ${peer.purpose}`, {
      hint: `install it beside envkit: \`npm install ${peer.package}\``,
      cause: error,
    });
  }
}
