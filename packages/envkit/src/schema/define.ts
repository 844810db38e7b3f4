// Types from zod's core, which classic zod (`import { z } from 'zod'`) and zod/mini share: a schema may be
// written with either.
import type { core, output } from 'zod/mini';
import { profileKeys, type DeploymentProfile } from './profile.js';

/**
 * How a variable is computed from others (e.g. `MEMU_DB_URL` from the POSTGRES_* parts).
 * Whenever one of `from` changes, envkit recomputes the variable in the same write.
 */
export interface DeriveSpec {
  /** The variables this one is computed from. */
  readonly from: readonly string[];
  /**
   * Compute the value. `values` holds every variable of `from` that has a value; `current` is this
   * variable's present value, so parts that are not derived (a URL's host and port) can be kept.
   * Returns `undefined` when a part is missing.
   */
  compute(values: Readonly<Record<string, string>>, current: string | undefined): string | undefined;
  /**
   * Explain how `value` differs from what the parts derive, naming the part and never a value;
   * `undefined` when consistent. Defaults to comparing with `compute(values, value)`.
   */
  check?(value: string, values: Readonly<Record<string, string>>): string | undefined;
}

/**
 * How to change a value that also lives elsewhere (`external`) in both places, as data a front end words with
 * its own commands (envkit's CLI: "…, then repeat with --force"). Either `first`, or `rotate`.
 */
export interface ExternalHint {
  /**
   * What to do where the value also lives, before changing the file (e.g. rename the database). Its parts are
   * text, except that `{ rotate: KEY }` stands for rotating the secret KEY, which a front end names its way.
   */
  first?: string | readonly (string | { rotate: string })[];
  /** What to do once the file is changed too (its parts as `first`'s), e.g. rotate a password the change cleared. */
  then?: string | readonly (string | { rotate: string })[];
  /** The secret whose rotation changes the value in both places (the database password). */
  rotate?: string;
  /** When changing the file alone is right (default: "nothing uses the old value yet"). */
  aloneWhen?: string;
}

/** Options of {@link variable}. */
export interface VariableOptions {
  /** What the variable means; becomes its comment in `.env.example`. */
  description: string;
  /** Masked everywhere and never written to `.env.example`. */
  secret?: boolean;
  /** The value used when none is given, as written in `.env`. */
  default?: string;
  /** Makes a fresh value (a password) when none is given. */
  generate?: () => string;
  /** Computes the value from other variables. */
  derive?: DeriveSpec;
  /** Groups variables in `.env.example` and `envkit schema`. */
  section?: string;
  /** Shown in `.env.example` for a value the user supplies (e.g. `sk-...`); never a real value. */
  example?: string;
  /** Values known to be placeholders that must be replaced (rejected by name when loaded). */
  placeholders?: readonly string[];
  /** Asked for by `envkit init` on a TTY when missing (user-supplied values such as API keys). */
  prompt?: boolean;
  /**
   * The default is one deployment's value (an address on its LAN), not a safe guess for another: `envkit init`
   * asks for it on a terminal (Enter takes the default), and a default written without asking is marked as
   * unconfirmed in the env file, and noted by `envkit check`, until the value is set (see the README, "Usage").
   */
  confirmDefault?: boolean;
  /**
   * Where else this value lives, when changing it in the file alone breaks something (e.g. a database role's
   * password, its role name). `envkit set`, `unset` and `rotate` refuse to change it in the file alone without
   * `--force`. The parts of a derived variable that has `external` are guarded the same way (see externalGuard).
   */
  external?: string;
  /**
   * How to change an `external` value in both places, shown when a change is refused: a text of your own shown
   * as it is, or an {@link ExternalHint} a front end words with its own commands. Default: change it there
   * first, then repeat the change in the file alone (forced).
   */
  externalHint?: string | ExternalHint;
  /**
   * JSON Schema keywords for the refinements zod cannot export (a `.refine()`), so `toJSONSchema` rejects what
   * the loader rejects; combined with the exported type by `allOf`. Standard keywords only.
   */
  jsonSchema?: Record<string, unknown>;
}

/** A variable of a schema: its zod type plus what envkit needs to manage it. */
export interface VarSpec<T extends core.$ZodType = core.$ZodType> {
  readonly type: T;
  readonly description: string;
  readonly secret: boolean;
  readonly default: string | undefined;
  readonly generate: (() => string) | undefined;
  readonly derive: DeriveSpec | undefined;
  readonly section: string;
  readonly example: string | undefined;
  readonly placeholders: readonly string[];
  readonly prompt: boolean;
  readonly confirmDefault: boolean;
  readonly external: string | undefined;
  readonly externalHint: string | ExternalHint | undefined;
  readonly jsonSchema: Record<string, unknown> | undefined;
}

/**
 * Declare one variable.
 *
 * @example
 * const port = variable(z.coerce.number().int().min(1).max(65535), { description: 'HTTP port', default: '8000' });
 */
export function variable<T extends core.$ZodType>(type: T, options: VariableOptions): VarSpec<T> {
  return {
    type,
    description: options.description,
    secret: options.secret ?? false,
    default: options.default,
    generate: options.generate,
    derive: options.derive,
    section: options.section ?? 'General',
    example: options.example,
    placeholders: options.placeholders ?? [],
    prompt: options.prompt ?? false,
    confirmDefault: options.confirmDefault ?? false,
    external: options.external,
    externalHint: options.externalHint,
    jsonSchema: options.jsonSchema,
  };
}

/** Any record of variables. */
export type VarRecord = Record<string, VarSpec>;

/** A named set of variables. Create with {@link defineSchema}. */
export interface EnvSchema<V extends VarRecord = VarRecord> {
  readonly kind: 'envkit.schema';
  /** Used in the `.env.example` header and as the default keyring project id. */
  readonly name: string;
  readonly vars: V;
  /** Section names in display order. */
  readonly sections: readonly string[];
  /** The deployment's service names, ports and key names, when the schema describes one (see DeploymentProfile). */
  readonly profile?: DeploymentProfile;
}

/** The typed values of a loaded env. */
export type InferEnv<S extends EnvSchema> = { [K in keyof S['vars']]: output<S['vars'][K]['type']> };

/**
 * Define a schema. Variables keep their declaration order; sections are ordered by first use
 * unless `sections` gives an order. `profile` names the deployment's services, ports and login variables
 * for the compose rules, `check --online` and `status` (docs/profiles.md); every variable it names must be
 * one of `vars`.
 *
 * @example
 * export const schema = defineSchema('my-app', {
 *   API_TOKEN: variable(z.string().min(20), { description: 'Token for the API', secret: true }),
 * });
 */
export function defineSchema<V extends VarRecord>(
  name: string,
  vars: V,
  options: { sections?: readonly string[]; profile?: DeploymentProfile } = {},
): EnvSchema<V> {
  const sections = [...(options.sections ?? [])];
  for (const spec of Object.values(vars)) if (!sections.includes(spec.section)) sections.push(spec.section);
  for (const [key, spec] of Object.entries(vars)) {
    // What TypeScript requires, checked for a schema written in JavaScript: a variable without them failed
    // later, as an internal error of whichever command first read them.
    if (typeof (spec as { type?: { _zod?: unknown } }).type?._zod !== 'object') throw new TypeError(`schema ${name}: ${key} is not declared with variable(zodType, options)`);
    if (typeof spec.description !== 'string') throw new TypeError(`schema ${name}: ${key} has no description (a string: it documents ${key} in .env.example)`);
    for (const dep of spec.derive?.from ?? []) {
      if (!(dep in vars)) throw new TypeError(`schema ${name}: ${key} derives from unknown variable ${dep}`);
    }
  }
  const { profile } = options;
  for (const key of profile ? profileKeys(profile) : []) {
    if (!(key in vars)) throw new TypeError(`schema ${name}: its profile names unknown variable ${key}`);
  }
  return { kind: 'envkit.schema', name, vars, sections, ...(profile ? { profile } : {}) };
}

/** True if `value` looks like an envkit schema (for modules loaded with `--schema`). */
export function isEnvSchema(value: unknown): value is EnvSchema {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'envkit.schema';
}
