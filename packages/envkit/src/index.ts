// envkit: what a tool needs to describe its environment and load it. Explicit named exports only; nothing
// runs at import, and nothing here loads more than zod (test/packaging.test.ts walks the graph).
// The rest is in subpaths: envkit/project (a project's files: init, set, check, example, .gitignore, guard),
// envkit/rotate (database password rotation), envkit/keyring (the OS-keyring copy), envkit/compose (compose
// files and the running stack), envkit/memu (the memu schema), envkit/age (encrypted environments).

export { EnvkitError, ErrorCode, isEnvkitError, type ErrorIssue, type ErrorDatum, type IssueFix } from './errors.js';
export { hasErrors, type Finding, type FindingHint, type HeldAt, type Severity } from './findings.js';

// Schema
export {
  variable,
  defineSchema,
  isEnvSchema,
  type VariableOptions,
  type VarSpec,
  type VarRecord,
  type EnvSchema,
  type InferEnv,
  type DeriveSpec,
  type ExternalHint,
} from './schema/define.js';
export { loadEnv, safeLoadEnv, validateValues, type EnvSource, type ValidationResult } from './schema/load.js';
export { toJSONSchema } from './schema/json-schema.js';
export { describeSchema, type VariableInfo } from './schema/describe.js';
export type { DeploymentProfile, DatabaseProfile, AppProfile, DatabaseKeyNames } from './schema/profile.js';

// .env documents: parsed and edited losslessly, values written in the form every reader agrees on
export { parseDocument, assertParsed, EnvDocument, type EntryInfo, type DocumentProblem, type QuoteStyle, type Placement } from './dotenv/document.js';
export { portableValue, encodeValue, checkWrittenValue, type PortableForm, type PortableResult } from './dotenv/portable.js';
export { readTextFile, type ReadOptions } from './files/write-file.js';

// Secrets and derived values
export { generatePassword, entropyBits, PORTABLE_ALPHABET, type PasswordOptions } from './secrets/password.js';
export { buildPostgresUrl, parsePostgresUrl, type PostgresUrlParts } from './secrets/derive.js';
export { maskUrlCredentials } from './secrets/url-credentials.js';
