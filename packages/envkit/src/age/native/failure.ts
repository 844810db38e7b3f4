/**
 * What is wrong with an age file, in the classes of age's own test vectors (C2SP CCTV): its ASCII armor, its
 * header's syntax, its header's MAC, its payload; or none of the identities unwraps its file key.
 */
export type AgeFailureKind = 'armor' | 'header' | 'hmac' | 'payload' | 'no-match';

/** Thrown by the native decrypter; carries only the kind, never a byte of the file or a key. */
export class AgeFailure extends Error {
  constructor(readonly kind: AgeFailureKind) {
    super(`age file refused: ${kind}`);
    this.name = 'AgeFailure';
  }
}
