import type { WriteResult } from './write-file.js';

/** What happened to one file, as every summary reports it. */
export interface FileChange {
  path: string;
  action: 'created' | 'updated' | 'unchanged';
  /** The file had a looser mode, now fixed (octal numbers). */
  modeFixed?: { from: number; to: number };
  /** Lines added (gitignore). */
  added?: string[];
}

/** A file write (writeFileAtomic, writeSecretFile) as a {@link FileChange}. */
export function describeWrite(result: WriteResult): FileChange {
  const change: FileChange = { path: result.path, action: result.created ? 'created' : result.changed ? 'updated' : 'unchanged' };
  if (result.modeFixed) change.modeFixed = result.modeFixed;
  return change;
}
