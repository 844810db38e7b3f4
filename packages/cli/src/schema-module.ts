import { resolve, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { EnvkitError, isEnvSchema, type EnvSchema } from 'envkit';

/**
 * Load the schema: the memu schema by default, or the module given with --schema. TypeScript modules
 * load through jiti without a build step; it is imported only here, only when needed.
 */
export async function loadSchemaModule(specifier: string | undefined, cwd: string): Promise<EnvSchema> {
  if (specifier === undefined) return (await import('envkit/memu')).memuSchema;
  const path = resolve(cwd, specifier);
  if (!existsSync(path)) {
    throw new EnvkitError('USAGE', `--schema ${specifier}: no such file (looked at ${path})`, {
      hint: 'give the path of a .js, .mjs or .ts module that exports a schema made with defineSchema()',
    });
  }
  let mod: Record<string, unknown>;
  try {
    if (['.ts', '.mts', '.cts', '.tsx'].includes(extname(path))) {
      const { createJiti } = await import('jiti');
      const jiti = createJiti(import.meta.url, { interopDefault: false, moduleCache: false });
      mod = (await jiti.import(path)) as Record<string, unknown>;
    } else {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new EnvkitError('USAGE', `--schema ${specifier}: the module failed to load: ${(error as Error).message}`, {
      hint: 'run it with node to see the full error',
    });
  }
  const candidates = [mod.schema, mod.default, ...Object.values(mod)];
  const found = candidates.find(isEnvSchema);
  if (!found) {
    throw new EnvkitError('USAGE', `--schema ${specifier}: the module exports no envkit schema`, {
      hint: 'export it as `export const schema = defineSchema(...)`',
    });
  }
  return found;
}
