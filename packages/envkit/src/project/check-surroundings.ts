import type { Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Finding } from '../findings.js';
import { fileKind, lstatIfAny, openDirectoryReason, untrustedReason } from '../files/safe-read.js';
import type { ProjectPaths } from './context.js';
import { shellWord } from '../text/shell-word.js';

/**
 * Findings about what lies beside the env file: an interrupted rotation, and anything another user could have
 * planted or could replace — a pending rotation or lock that is not the user's own regular file or that others
 * may write (every command refuses to act on such a file), a directory everyone may write to.
 */
export function surroundingFindings(paths: ProjectPaths): Finding[] {
  const findings: Finding[] = [];
  const dir = dirname(paths.env);
  const dirStat = lstatIfAny(dir);
  const open = dirStat && openDirectoryReason(dirStat);
  if (open) {
    findings.push({
      severity: 'error',
      rule: 'project.dir-writable',
      file: dir,
      message: `the directory of ${paths.envName} is writable by every user (${open}): anyone could plant a pending rotation or replace a file envkit reads`,
      fix: `chmod o-w ${shellWord(dir)}`,
    });
  }
  const pending = lstatIfAny(paths.pending);
  const pendingProblem = pending && problemOf(pending);
  // A trusted pending file is check.ts's rotation.pending (an error naming the command that finishes it).
  if (pendingProblem) {
    findings.push({
      severity: 'error',
      rule: 'rotation.pending-untrusted',
      file: basename(paths.pending),
      message: `${basename(paths.pending)} ${pendingProblem}: envkit will not resume a rotation from it`,
      fix: `check who wrote it (ls -l ${shellWord(paths.pending)}); if not you, remove it (rm ${shellWord(paths.pending)}) and rotate again`,
    });
  }
  const lock = lstatIfAny(paths.lock);
  const lockProblem = lock && problemOf(lock);
  if (lockProblem) {
    findings.push({
      severity: 'error',
      rule: 'lock.untrusted',
      file: basename(paths.lock),
      message: `${basename(paths.lock)} ${lockProblem}: every command that writes refuses to run`,
      fix: `if no envkit is running, remove it: rm ${shellWord(paths.lock)}`,
    });
  }
  return findings;
}

/** What makes a file envkit acts on unusable, in words ("is a named pipe", "belongs to uid 0 ..."), or `undefined`. */
function problemOf(stat: Stats): string | undefined {
  if (!stat.isFile()) return `is ${fileKind(stat)}`;
  const reason = untrustedReason(stat);
  return reason === undefined ? undefined : `cannot be trusted: ${reason}`;
}
