// The vocabulary of the command table (command-table.ts): commands, arguments and options as plain data,
// with the types commander gives their values worked out from the flags. program.ts makes the commander
// program of it and command-of.ts reads it before commander loads, so nothing here imports commander.
import type { Context } from './context.js';

/** An option as commander's `.option()` takes it, plus what it parses to. */
export interface OptionDef<F extends string = string, V = unknown> {
  /** Commander's flags, e.g. `-C, --cwd <dir>`, `--no-git`, `--set <KEY=VALUE>`. */
  readonly flags: F;
  readonly description: string;
  readonly default?: unknown;
  /** The values allowed (commander refuses others with a usage error). */
  readonly choices?: readonly string[];
  /** Turns the text into the value; throws an Error whose message says what was expected. */
  readonly parse?: (value: string, previous: never) => unknown;
  /** The option must be given (commander's `requiredOption`). */
  readonly mandatory?: boolean;
  /** What the option's attribute holds, for the types only (never set). */
  readonly value?: V;
}

/** A positional argument: `<KEY>` required, `[KEY]` optional, `...` for the rest of the words. */
export interface ArgumentDef<N extends string = string> {
  readonly name: N;
  readonly description?: string;
}

/**
 * The module a command runs, loaded only when the command runs, as program.ts calls it: with the context,
 * the arguments and the flags of its row (command-table.ts checks each module's `run` against its row).
 */
export interface CommandModule {
  run(ctx: Context, ...args: unknown[]): Promise<number | void>;
}

/** One row of the table: a command, its arguments and options, what it runs and its subcommands. */
export interface CommandDef {
  readonly name: string;
  readonly description: string;
  readonly arguments?: readonly ArgumentDef[];
  readonly options?: readonly OptionDef[];
  /**
   * The command's module (a command with only subcommands has none). Typed loosely here, so that the
   * table's type does not depend on the modules that take their flags' type from it; command-table.ts
   * checks each module's `run` against its row.
   */
  readonly load?: () => Promise<unknown>;
  /** Their flags include this command's options too: commander parses a parent's options wherever they stand. */
  readonly subcommands?: readonly CommandDef[];
  /** What the command works on (a subcommand says its own): for the --env refusal and the fixes that name it. */
  readonly worksOn?: WorksOn;
}

/**
 * What a command works on, beyond its own arguments. program.ts refuses --env for a command that works only
 * on the plaintext env file; render/fix-scope.ts gives the envkit commands a fix names the options they take.
 */
export interface WorksOn {
  /** `encrypted`: with --env NAME it works on that encrypted environment; `plaintext`: only on the env file, so it refuses --env. */
  readonly environment?: 'encrypted' | 'plaintext';
  /** It reads or writes the env file (-f). */
  readonly envFile?: true;
  /** It loads the schema module (--schema). */
  readonly schema?: true;
}

/** A command of the table; the `const` keeps flags and argument names literal, which the types below read. */
export function defineCommand<const C extends CommandDef>(command: C): C {
  return command;
}

/** An argument: `argument('<KEY>')`, `argument('[KEY...]', 'only these')`. */
export function argument<const N extends string>(name: N, description?: string): ArgumentDef<N> {
  return description === undefined ? { name } : { name, description };
}

/** Settings of {@link option}. */
interface OptionSettings {
  readonly default?: unknown;
  readonly parse?: (value: string, previous: never) => unknown;
  readonly choices?: readonly string[];
  readonly mandatory?: boolean;
}

/**
 * An option. Its value's type follows from the flags and settings as commander sets it: a flag is `true`
 * (`--no-x`: `false`, else its default `true`), `<value>` a string, `parse` its result, `choices` one of
 * them; without a default and not `mandatory`, it may also be `undefined`.
 */
export function option<const F extends string, const S extends OptionSettings = {}>(flags: F, description: string, settings?: S): OptionDef<F, OptionValue<F, S>> {
  return { flags, description, ...settings };
}

type OptionValue<F extends string, S extends OptionSettings> =
  | (S extends { parse: (...args: never[]) => infer R } ? R : S extends { choices: readonly (infer C)[] } ? C : PlainValue<F>)
  | (S extends { default: {} | null } | { mandatory: true } ? never : F extends `${string}--no-${string}` ? never : undefined);

type PlainValue<F extends string> = F extends `${string}<${string}` ? string : F extends `${string}[${string}` ? string | true : F extends `${string}--no-${string}` ? boolean : true;

/** The attribute commander stores an option under: `--allow-unknown` → `allowUnknown`, `--no-git` → `git`. */
type AttributeOf<F extends string> = LongName<F> extends `no-${infer N}` ? Camel<N> : Camel<LongName<F>>;
type LongName<F extends string> = F extends `${string}--${infer L}` ? (L extends `${infer N} ${string}` ? N : L) : never;
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** The options object commander hands over: one attribute per option (an `--x`/`--no-x` pair shares one). */
export type OptionsOf<O extends readonly OptionDef[]> = {
  [D in O[number] as AttributeOf<D['flags']>]: O[number] extends infer E ? (E extends OptionDef<infer F, infer V> ? (AttributeOf<F> extends AttributeOf<D['flags']> ? V : never) : never) : never;
};

type ArgumentValue<N extends string> = N extends `${string}...${string}` ? string[] : N extends `<${string}` ? string : string | undefined;
type ArgumentsOf<A> = A extends readonly [infer H extends ArgumentDef, ...infer T] ? [ArgumentValue<H['name']>, ...ArgumentsOf<T>] : [];

/** A command's flags: its options, with those of the command it is under. */
type FlagsOfDef<C extends CommandDef, Parent extends CommandDef | undefined> = OptionsOf<C['options'] extends readonly OptionDef[] ? C['options'] : []> &
  (Parent extends CommandDef ? FlagsOfDef<Parent, undefined> : unknown);

/** What a command's `run` is called with: the context, its arguments in order, then its flags. */
export type RunArguments<C extends CommandDef, Parent extends CommandDef | undefined = undefined> = [
  ctx: Context,
  ...args: ArgumentsOf<C['arguments'] extends readonly ArgumentDef[] ? C['arguments'] : []>,
  flags: FlagsOfDef<C, Parent>,
];

/** Every command of a table by its path (`get`, `keyring status`), with the command it is under. */
export type CommandsByPath<T extends readonly CommandDef[], Parent extends CommandDef | undefined = undefined, Prefix extends string = ''> = {
  [C in T[number] as `${Prefix}${C['name']}`]: { command: C; parent: Parent };
} & UnionToIntersection<
  T[number] extends infer C ? (C extends CommandDef & { subcommands: readonly CommandDef[] } ? CommandsByPath<C['subcommands'], C, `${Prefix}${C['name']} `> : {}) : never
>;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** A repeatable option's values in order; `undefined` (not `[]`) until it is given. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error('expected a port number from 1 to 65535');
  return n;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error('expected a positive number');
  return n;
}
