// `envkit/memu` as the bundled CLI's schema loader gets it (build.mjs resolves the import here). The real
// module builds ten zod types as it loads, yet `envkit get` and the file-level commands never validate: they
// get the schema's plain fields, copied from the real schema at build time, and the real module (with zod)
// is initialised only when a zod type, a generator or a derivation is first used. Nothing but the time
// differs: every field is the real schema's, and every function is the real one, called through.
import type { DeriveSpec, EnvSchema, VarSpec } from 'envkit';

/** A variable's fields that are plain data, and which functions it has (build.mjs writes this). */
interface PlainVar {
  description: string;
  secret: boolean;
  default?: string;
  section: string;
  example?: string;
  placeholders: string[];
  prompt: boolean;
  generate: boolean;
  derive?: { from: string[]; check: boolean };
}

declare const ENVKIT_MEMU_PLAIN: { name: string; sections: string[]; vars: Record<string, PlainVar> };

let real: EnvSchema | undefined;

function realVar(key: string): VarSpec {
  // A require() of an ES module that esbuild bundles: the module initialises here, synchronously.
  real ??= (require('envkit/memu') as typeof import('envkit/memu')).memuSchema;
  return real.vars[key] as VarSpec;
}

function lazyVar(key: string, plain: PlainVar): VarSpec {
  const derive = plain.derive;
  const deriveSpec: DeriveSpec | undefined = derive && {
    from: derive.from,
    compute: (values, current) => realVar(key).derive!.compute(values, current),
    ...(derive.check ? { check: (value: string, values: Readonly<Record<string, string>>) => realVar(key).derive!.check!(value, values) } : {}),
  };
  return {
    get type() {
      return realVar(key).type;
    },
    description: plain.description,
    secret: plain.secret,
    default: plain.default,
    generate: plain.generate ? () => realVar(key).generate!() : undefined,
    derive: deriveSpec,
    section: plain.section,
    example: plain.example,
    placeholders: plain.placeholders,
    prompt: plain.prompt,
  };
}

/** The memu schema: the real one's fields, its zod types loaded on first use. */
export const memuSchema: EnvSchema = {
  kind: 'envkit.schema',
  name: ENVKIT_MEMU_PLAIN.name,
  vars: Object.fromEntries(Object.entries(ENVKIT_MEMU_PLAIN.vars).map(([key, plain]) => [key, lazyVar(key, plain)])),
  sections: ENVKIT_MEMU_PLAIN.sections,
};
