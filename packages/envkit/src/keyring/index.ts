// envkit/keyring: a copy of a project's secrets in the OS keyring — backup, status, restore, forget, and
// edits that keep the copy in step. Explicit named exports only; nothing runs at import. The native module
// (@napi-rs/keyring, an optional peer) loads when a store is opened; without it the status says what to install.

export { serviceName, type SecretStore, type StoredEntry } from './store.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { openOsStore, keyringStatus, type OsStoreOptions, type OsSecretStore, type KeyringStatus } from './os-store.js';
export type { KeyringProblem } from './probe.js';
export { defaultProjectId, resolveProjectId, type KeyringProjectOptions, type KeyringTarget } from '../project/keyring/project-id.js';
export { backupSecrets, type BackupOptions, type BackupResult, type BackedUpKey } from '../project/keyring/backup.js';
export { storeStatus, type SecretState, type SecretStatus, type StoreStatusResult } from '../project/keyring/status.js';
export { restoreEnv, type RestoreOptions, type RestoreResult, type RestoredKey, type RestoreSource, type RestoreNote } from '../project/keyring/restore.js';
export { forgetSecrets, type ForgetOptions, type ForgetResult } from '../project/keyring/forget.js';
export type { KeyringCopy } from '../project/keyring/copy.js';
export { initProjectWithKeyring, type InitWithKeyringOptions, type InitWithKeyringResult } from '../project/init.js';
export { setValuesWithKeyring, unsetKeysWithKeyring, type EditKeyringOptions, type EditWithKeyringResult } from '../project/edit-keyring.js';
