// The public API of envkit: explicit named exports only. Nothing runs at import.

export { EnvkitError, ErrorCode, isEnvkitError, type ErrorIssue } from './errors.js';
export { hasErrors, type Finding, type Severity } from './findings.js';

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
} from './schema/define.js';
export { loadEnv, safeLoadEnv, validateValues, type EnvSource, type ValidationResult } from './schema/load.js';
export { toJSONSchema } from './schema/json-schema.js';
export { describeSchema, type VariableInfo } from './schema/describe.js';
export { placeholderReason } from './schema/placeholders.js';
export { memuSchema, createMemuSchema, type MemuEnv } from './schema/memu.js';

// .env documents
export { parseDocument, assertParsed, EnvDocument, type EntryInfo, type DocumentProblem, type QuoteStyle } from './dotenv/document.js';
export { portableValue, encodeValue, checkWrittenValue, type PortableForm, type PortableResult } from './dotenv/portable.js';

// Secrets and derived values
export { generatePassword, entropyBits, PORTABLE_ALPHABET } from './secrets/password.js';
export { buildPostgresUrl, parsePostgresUrl, memuDbUrlDerive, type PostgresUrlParts } from './secrets/derive.js';
export { scramSha256Verifier } from './secrets/scram.js';

// Files
export { writeFileAtomic, writeSecretFile, readTextFile, cleanStaleTemps, type WriteResult } from './files/write-file.js';
export { acquireLock, withLock, type ProjectLock } from './files/lock.js';
export { syncGitignore as syncGitignoreText, gitignoreRules, type GitignoreSync } from './files/gitignore.js';
export { renderExample, exampleDrift, type ExampleDrift } from './files/example.js';
export { projectFiles } from './files/names.js';

// Projects
export { projectPaths, type ProjectOptions, type ProjectPaths } from './project/context.js';
export { initProject, planInit, promptsForInit, type InitOptions, type InitResult, type InitPlan, type InitPrompt } from './project/init.js';
export { setValues, unsetKeys, getValue, rotateSecret, type SetOptions, type EditResult, type GetResult, type RotateFileOptions } from './project/edit.js';
export { checkProject, type CheckOptions, type CheckResult } from './project/check.js';
export { syncExample, checkExample, syncGitignore, type FileChange } from './project/sync.js';
export type { KeySummary, KeyAction } from './project/plan.js';
