// age-encryption (the age author's TypeScript implementation) is ESM and brings the noble curves and
// ciphers: loaded only by the commands that encrypt or decrypt. The CLI bundle maps this import to a
// CommonJS bundle of its own (packages/cli/build.mjs), so other commands never read it.

/** The age-encryption module. */
export type AgeModule = typeof import('age-encryption');

let loaded: Promise<AgeModule> | undefined;

/** Load age-encryption once. */
export function loadAge(): Promise<AgeModule> {
  loaded ??= import('age-encryption');
  return loaded;
}
