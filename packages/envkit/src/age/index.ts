// envkit/age: environments encrypted with age (X25519, ASCII armor) and shared through git.
// Explicit named exports only. Nothing runs at import; age-encryption loads on first use, to encrypt or
// create an identity (decrypting uses node:crypto: native/).

export { recipientProblem, identityProblem, assertRecipient, type KeyPair } from './keys.js';
export { parseIdentityFile, formatIdentityFile } from './identity-file.js';
export { parseRecipients, addRecipientText, removeRecipientText, findRecipient, type RecipientEntry } from './recipients-file.js';
export { encryptText, decryptText, ageFormat } from './cipher.js';
export { identityFilePath, loadIdentities, ensureIdentity, type IdentityOptions, type IdentitySource, type LoadedIdentity } from './identity-store.js';
export {
  environmentPaths,
  openEnvironment,
  readEnvironmentText,
  readRecipients,
  sealEnvironment,
  assertNotLockedOut,
  type EnvironmentPaths,
  type OpenedEnvironment,
} from './environment.js';
export {
  editEnvironment,
  setEnvironmentValues,
  unsetEnvironmentKeys,
  rotateEnvironmentSecret,
  getEnvironmentValue,
  replaceEnvironmentText,
  type EnvironmentOptions,
  type EnvironmentEditResult,
} from './edit-environment.js';
export { listRecipients, addRecipient, removeRecipient, type RecipientsOptions, type RecipientsChange, type RecipientRemoval } from './recipients.js';
export { environmentNames, environmentGitignoreRules, syncEnvironmentGitignore } from './gitignore.js';
export { diffDocuments, type KeyDiff } from './diff.js';
export { checkEnvironment } from './check-environment.js';
export { environmentStore, environmentPendingPath } from './rotation-store.js';
export { decryptToFile, type DecryptToFileOptions } from './decrypt-file.js';
export { privateCopy, type PrivateCopy } from './private-copy.js';
export { environmentSource } from './guard-source.js';
