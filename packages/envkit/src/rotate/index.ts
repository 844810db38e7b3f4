// envkit/rotate: a database password rotated in the live database and .env together, resumably, and a
// secret rotated with its OS-keyring copy. Explicit named exports only; nothing runs at import. pg (applying
// directly) and js-yaml (reading the compose files) load when a rotation needs them.

export { rotatePassword, abortRotation } from '../project/rotation/rotate.js';
export type { RotatePasswordOptions, RotationRoute, RotationResult, RotationRestart, RotationWarning, AbortResult } from '../project/rotation/options.js';
export type { RotationStep, RotationStepName, RotationStepStatus, RotationProgress } from '../project/rotation/steps.js';
export { databaseKeysFor, rotationKind, type DatabaseKeys } from '../project/rotation/keys.js';
export { envFileStore, type EnvStore } from '../project/rotation/store.js';
export { readPending, type PendingRotation, type PendingStep, type ApplyMode } from '../project/rotation/pending.js';
export {
  rotateSecretWithKeyring,
  type RotateSecretWithKeyringOptions,
  type SecretRotationResult,
} from '../project/edit-keyring.js';

// The live side on its own: log in, change the password directly or through the compose service
export {
  canLogin,
  applyPasswordDirect,
  targetFromUrl,
  probeDirect,
  type DirectTarget,
  type LoginResult,
  type LoginFailureReason,
  type TargetOverrides,
} from '../database/apply-direct.js';
export { resolveConnectionSecurity, SSL_MODES, type ConnectionSecurity, type SslMode } from '../database/tls.js';
export { applyPasswordViaCompose, type ComposeApplyOptions } from '../database/apply-compose.js';
