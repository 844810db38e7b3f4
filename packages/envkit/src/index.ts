// The public API of envkit: explicit named exports only. Nothing runs at import.

export { EnvkitError, ErrorCode, isEnvkitError, type ErrorIssue, type ErrorDatum } from './errors.js';
export { hasErrors, type Finding, type FindingHint, type Severity } from './findings.js';

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
export { externalGuard, type ExternalGuard } from './schema/external.js';
export { loadEnv, safeLoadEnv, validateValues, type EnvSource, type ValidationResult } from './schema/load.js';
export { toJSONSchema } from './schema/json-schema.js';
export { describeSchema, type VariableInfo } from './schema/describe.js';
export { placeholderReason } from './schema/placeholders.js';
export { memuSchema, createMemuSchema, memuProfile, type MemuEnv } from './schema/memu.js';
export type { DeploymentProfile, DatabaseProfile, AppProfile, DatabaseKeyNames } from './schema/profile.js';

// .env documents
export { parseDocument, assertParsed, EnvDocument, type EntryInfo, type DocumentProblem, type QuoteStyle, type Placement } from './dotenv/document.js';
export { portableValue, encodeValue, checkWrittenValue, type PortableForm, type PortableResult } from './dotenv/portable.js';

// Secrets and derived values
export { generatePassword, entropyBits, PORTABLE_ALPHABET } from './secrets/password.js';
export { buildPostgresUrl, parsePostgresUrl, memuDbUrlDerive, type PostgresUrlParts } from './secrets/derive.js';
export { scramSha256Verifier, isScramSha256Verifier } from './secrets/scram.js';
export { createMemuDbUrlDerive } from './secrets/derive.js';
export { urlHasCredentials, maskUrlCredentials, stripUrlCredentials } from './secrets/url-credentials.js';

// Files
export { writeFileAtomic, writeSecretFile, readTextFile, cleanStaleTemps, type WriteResult } from './files/write-file.js';
export { acquireLock, withLock, withLockAsync, readLock, type ProjectLock, type LockHolder } from './files/lock.js';
export { syncGitignore as syncGitignoreText, gitignoreRules, matchGitignore, type GitignoreSync } from './files/gitignore.js';
export { renderExample, renderEnvTemplate, exampleDrift, envCommentFor, isVariableComment, type ExampleDrift } from './files/example.js';
export { projectFiles } from './files/names.js';

// Projects
export { projectPaths, assertProjectDir, type ProjectOptions, type ProjectPaths } from './project/context.js';
export { initProject, planInit, promptsForInit, type InitOptions, type InitResult, type InitPlan, type InitPrompt } from './project/init.js';
export { withEnvironmentValues } from './project/init-from-env.js';
export { setValues, unsetKeys, getValue, rotateSecret, type SetOptions, type EditResult, type GetResult, type RotateFileOptions } from './project/edit.js';
export { checkProject, type CheckOptions, type CheckResult } from './project/check.js';
export { syncExample, checkExample, syncGitignore } from './project/sync.js';
export { describeWrite, type FileChange } from './files/file-change.js';
export type { KeySummary, KeyAction } from './project/plan.js';

// Database (rotation's live side)
export { quoteIdent, quoteLiteral, alterRolePasswordSql } from './database/sql.js';
export { detectComposeCommand, type ComposeCommand } from './database/compose-command.js';
export { applyPasswordViaCompose, type ComposeApplyOptions } from './database/apply-compose.js';
export { canLogin, applyPasswordDirect, targetFromUrl, type DirectTarget, type LoginResult } from './database/apply-direct.js';
export { probeDirect, type LoginFailureReason, type TargetOverrides } from './database/apply-direct.js';
export { resolveConnectionSecurity, tlsAttempts, SSL_MODES, type ConnectionSecurity, type SslMode, type TlsAttempt } from './database/tls.js';

// OS keyring
export { serviceName, HISTORY_LIMIT, type SecretStore } from './keyring/store.js';
export { MemoryStore } from './keyring/memory-store.js';
export { openOsStore, keyringStatus, type OsStoreOptions, type OsSecretStore, type KeyringStatus } from './keyring/os-store.js';
export type { KeyringProblem } from './keyring/probe.js';

// Compose
export { readComposeText, findComposeFile, COMPOSE_FILE_NAMES, type ComposeFile, type ComposeService } from './compose/read.js';
export { composeArgv, splitCommandLine, shellLine, type ComposeProject } from './compose/project.js';
export { scanReferences, checkReferences, type VarReference } from './compose/references.js';
export { checkHardening, type HardeningOptions } from './compose/hardening.js';
export { podmanFindings, parseVersion } from './compose/podman.js';
export { probeHttp, probeOllama, ollamaVersionUrl, type ProbeResult } from './compose/probes.js';
export { detectPodmanEnvironment } from './compose/detect-podman.js';
export { checkDeployment, type DeploymentCheckOptions, type DeploymentCheckResult } from './project/check-deployment.js';
export { stackStatus, type StatusOptions, type StatusResult, type ServiceStatus } from './project/status.js';
export type { OnlineOptions } from './project/check-online.js';

// Keyring copies of a project's secrets (backup, status, restore, forget)
export {
  setValuesWithKeyring,
  unsetKeysWithKeyring,
  rotateSecretWithKeyring,
  type EditKeyringOptions,
  type EditWithKeyringResult,
  type RotateSecretWithKeyringOptions,
  type SecretRotationResult,
} from './project/edit-keyring.js';
export { initProjectWithKeyring, type InitWithKeyringOptions, type InitWithKeyringResult } from './project/init.js';
export type { KeyringCopy } from './project/keyring/copy.js';
export { defaultProjectId, resolveProjectId, secretKeys, type KeyringProjectOptions, type KeyringTarget } from './project/keyring/project-id.js';
export { backupSecrets, type BackupOptions, type BackupResult, type BackedUpKey } from './project/keyring/backup.js';
export { keepRotatedSecret, type KeepRotatedOptions, type KeepRotatedResult } from './project/keyring/keep-rotated.js';
export { storeStatus, type SecretState, type SecretStatus, type StoreStatusResult } from './project/keyring/status.js';
export { restoreEnv, type RestoreOptions, type RestoreResult, type RestoredKey, type RestoreSource, type RestoreNote } from './project/keyring/restore.js';
export { forgetSecrets, type ForgetOptions, type ForgetResult } from './project/keyring/forget.js';

// Rotation of a database password (live database and .env, or an encrypted environment, together)
export { rotatePassword, abortRotation } from './project/rotation/rotate.js';
export type { RotatePasswordOptions, RotationRoute, RotationResult, RotationWarning, AbortResult } from './project/rotation/options.js';
export type { RotationStep, RotationStepName, RotationStepStatus, RotationProgress } from './project/rotation/steps.js';
export { databaseKeysFor, rotationKind, POSTGRES_IMAGE_KEYS, type DatabaseKeys } from './project/rotation/keys.js';
export { envFileStore, type EnvStore } from './project/rotation/store.js';
export { readPending, parsePending, serializePending, type PendingRotation, type PendingStep, type ApplyMode } from './project/rotation/pending.js';
export { verifierMatches } from './project/rotation/compose.js';

// Secret guard: what git is about to record, searched for the project's secrets (envkit guard)
export { guardRepository, type GuardOptions, type GuardResult, type GuardSourceSummary } from './guard/guard.js';
export { envFileSource, keyringSource, type SecretSource, type SecretValue } from './guard/sources.js';
export { installGuardHook, hookScript, HOOK_MARKER, CHAINED_HOOK, type InstallHookOptions, type InstallHookResult } from './guard/hook.js';
export { needlesFor, type Needle, type Encoding } from './guard/needles.js';
export { pathKind, type PathKind } from './guard/paths.js';
export type { GuardScope } from './guard/git-objects.js';
