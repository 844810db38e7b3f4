import type { RotationResult, RotationWarning } from 'envkit/rotate';

/** A rotation's warning, worded: what went wrong and that the rotation itself is finished. Never a value. */
export function rotationWarningText(warning: RotationWarning): string {
  switch (warning.reason) {
    case 'keyring-skipped':
      return `keyring: ${warning.keys.map((k) => `${k.key} not stored (${k.why})`).join('; ')}`;
    case 'keyring-failed':
      return `keyring: the new ${warning.key} was not stored (${warning.message}); ${warning.file} and the database are up to date: run \`envkit backup\` once the keyring works`;
    case 'restart-failed':
      return `restart: ${warning.message}; the rotation itself is finished: run \`${warning.command}\` by hand`;
    case 'exported': {
      const { keys, file } = warning;
      return `${keys.join(' and ')} ${keys.length === 1 ? 'is' : 'are'} exported in this environment; compose prefers an exported variable to ${file}: unset ${keys.join(' ')} before recreating the container`;
    }
  }
}

/** The `keyring` section of `rotate --json`: the status, and where the copy went. */
export function rotationKeyringJson(copy: RotationResult['keyring']): Record<string, unknown> {
  if (copy.status === 'off') return { status: 'off' };
  const backup = copy.backup;
  const backend = backup?.backend ?? (copy.status === 'failed' ? copy.backend : undefined);
  return { status: copy.status, ...(backup ? { service: backup.service } : {}), ...(backend === undefined ? {} : { backend }) };
}
