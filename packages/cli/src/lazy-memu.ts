// `envkit/memu` as the bundled CLI's schema loader gets it (build.mjs resolves the import here). The real
// module builds ten zod types as it loads, yet `envkit get` and the file-level commands never validate: they
// get the schema's data, copied from the real schema at build time, and the real module (with zod) is
// initialised only when a zod type, a generator or a derivation is first used. Nothing but the time
// differs: every field is the real schema's, and every function is the real one, called through.
import type { DeploymentProfile, DeriveSpec, EnvSchema, VarSpec } from 'envkit';

/** One variable of the real schema as data (build.mjs writes it; see memuPlainFields there). */
interface PlainVar {
  /** The fields that are data, as they are. */
  fields: Record<string, unknown>;
  /** The fields that are present and undefined. */
  unset: string[];
  /** The fields that are functions (a generator). */
  functions: string[];
  derive: { from: string[]; check: boolean } | undefined;
}

declare const ENVKIT_MEMU_PLAIN: { name: string; sections: string[]; vars: Record<string, PlainVar>; profile: DeploymentProfile };

let real: EnvSchema | undefined;

function realVar(key: string): VarSpec {
  // A require() of an ES module that esbuild bundles: the module initialises here, synchronously.
  real ??= (require('envkit/memu') as typeof import('envkit/memu')).memuSchema;
  return real.vars[key] as VarSpec;
}

function lazyVar(key: string, plain: PlainVar): VarSpec {
  const spec: Record<string, unknown> = { ...plain.fields };
  for (const field of plain.unset) spec[field] = undefined;
  for (const field of plain.functions) {
    spec[field] = (...args: unknown[]) => (realVar(key) as unknown as Record<string, (...a: unknown[]) => unknown>)[field]!(...args);
  }
  const derive = plain.derive;
  spec.derive = derive && {
    from: derive.from,
    compute: (values, current) => realVar(key).derive!.compute(values, current),
    ...(derive.check ? { check: (value: string, values: Readonly<Record<string, string>>) => realVar(key).derive!.check!(value, values) } : {}),
  } satisfies DeriveSpec;
  Object.defineProperty(spec, 'type', { enumerable: true, get: () => realVar(key).type });
  return spec as unknown as VarSpec;
}

/** The memu schema: the real one's fields, its zod types loaded on first use. */
export const memuSchema: EnvSchema = {
  kind: 'envkit.schema',
  name: ENVKIT_MEMU_PLAIN.name,
  vars: Object.fromEntries(Object.entries(ENVKIT_MEMU_PLAIN.vars).map(([key, plain]) => [key, lazyVar(key, plain)])),
  sections: ENVKIT_MEMU_PLAIN.sections,
  profile: ENVKIT_MEMU_PLAIN.profile,
};
