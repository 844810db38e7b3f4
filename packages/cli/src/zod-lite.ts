// What the bundled CLI gives the envkit library when it imports `zod` (build.mjs resolves it here): the
// part of zod's classic API that the library's own schemas use, built on `zod/mini`.
//
// Why: the classic API cannot be tree-shaken (every schema carries every method), so the memu schema would
// make each `envkit get` or `envkit check` evaluate all of zod and its 40 locales, about 600 kB of code.
// Every method here is what classic zod's method does: `schema.check(<the same core check>)` or the same
// core wrapper, so validation, issues and messages are zod's own; only the method surface is smaller.
// A method the library starts to use and this file lacks fails the build (build.mjs runs every command).
// Users' `--schema` modules import their own zod and never see this.
import * as z from 'zod/mini';
import { en } from 'zod/locales';

// Classic zod installs English messages when it loads; so does this, for identical issue messages.
z.config(en());

/** A message, or zod's params object with one: what each method passes on untouched. */
type Message = string | { error?: string; message?: string; abort?: boolean };
/** Typed loosely on purpose: the library type-checks against classic zod, this only has to run the same. */
type Schema = z.ZodMiniType;
type Check = Parameters<Schema['check']>[0];

/** A mini schema with classic zod's chainable methods (only those the library uses). */
export type Chain = Schema & {
  regex(pattern: RegExp, message?: Message): Chain;
  startsWith(prefix: string, message?: Message): Chain;
  min(length: number, message?: Message): Chain;
  max(length: number, message?: Message): Chain;
  refine(check: (value: never) => unknown, message?: Message): Chain;
  superRefine(refinement: (value: never, ctx: never) => void): Chain;
  optional(): Chain;
};

function chain(schema: Schema): Chain {
  const add = (check: unknown) => chain(schema.check(check as Check));
  return Object.assign(schema, {
    regex: (pattern: RegExp, message?: Message) => add(z.regex(pattern, message)),
    startsWith: (prefix: string, message?: Message) => add(z.startsWith(prefix, message)),
    min: (length: number, message?: Message) => add(z.minLength(length, message)),
    max: (length: number, message?: Message) => add(z.maxLength(length, message)),
    refine: (check: (value: never) => unknown, message?: Message) => add(z.refine(check as (value: unknown) => unknown, message)),
    superRefine: (refinement: (value: never, ctx: never) => void) => add(z.superRefine(refinement as Parameters<typeof z.superRefine>[0])),
    optional: () => chain(z.optional(schema)),
  });
}

/** `z` as the library imports it (`import { z } from 'zod'`). */
const lite = {
  string: (params?: Parameters<typeof z.string>[0]) => chain(z.string(params)),
  url: (params?: Parameters<typeof z.url>[0]) => chain(z.url(params)),
  toJSONSchema: z.toJSONSchema,
};

export { lite as z };
