// envkit/rotate: a database password rotated in the live database and .env together, resumably, and a
// secret rotated with its OS-keyring copy. Explicit named exports only; nothing runs at import. pg (applying
// directly) and js-yaml (reading the compose files) load when a rotation needs them.

export {
  rotatePassword,
  abortRotation,
  rotateSecretWithKeyring,
  databaseKeysFor,
  type RotatePasswordOptions,
  type AbortResult,
  type RotateSecretWithKeyringOptions,
  type RotatedKeyringCopy,
  type SecretRotationResult,
  type RotationResult,
  type RotationStep,
  type RotationStepName,
  type RotationStepStatus,
  type RotationProgress,
  type DatabaseKeys,
} from '../project/rotate.js';
export { readPending, type PendingRotation, type PendingStep, type ApplyMode } from '../project/pending.js';

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
