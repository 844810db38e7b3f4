// envkit/keyring: a copy of a project's secrets in the OS keyring — backup, status, restore, forget, and
// edits that keep the copy in step. Explicit named exports only; nothing runs at import. The native module
// (@napi-rs/keyring, an optional peer) loads when a store is opened; without it the status says what to install.

export { serviceName, type SecretStore } from './store.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { openOsStore, keyringStatus, type OsStoreOptions, type OsSecretStore, type KeyringStatus } from './os-store.js';
export type { KeyringProblem } from './probe.js';
export {
  defaultProjectId,
  resolveProjectId,
  backupSecrets,
  storeStatus,
  restoreEnv,
  forgetSecrets,
  type KeyringProjectOptions,
  type KeyringTarget,
  type BackupOptions,
  type BackupResult,
  type BackedUpKey,
  type SecretState,
  type SecretStatus,
  type StoreStatusResult,
  type RestoreOptions,
  type RestoreResult,
  type RestoredKey,
  type RestoreSource,
  type ForgetOptions,
  type ForgetResult,
} from '../project/keyring.js';
export { initProjectWithKeyring, type InitWithKeyringOptions, type InitWithKeyringResult } from '../project/init.js';
export {
  setValuesWithKeyring,
  unsetKeysWithKeyring,
  type EditKeyringOptions,
  type EditKeyringCopy,
  type EditWithKeyringResult,
} from '../project/edit-keyring.js';
