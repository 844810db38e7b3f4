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

/**
 * The `Next:` of a rotation whose restart did not run, and the command to show under it (none when it cannot
 * work: no compose file, or a compose file whose app service does not load `envFile`). It claims that the app
 * reads the new `envFile` only where the compose file says so.
 */
export function restartNext(result: Pick<RotationResult, 'restart' | 'store'>, envFile: string): { line: string; command?: string } {
  const { restart, store } = result;
  const command = restart.command;
  if (store.environment !== undefined) {
    const name = store.environment;
    const deploy = `Next: deploy environment ${name} again where the app reads it (\`envkit decrypt --env ${name} --force\` on the host, or \`envkit run --env ${name} -- …\`)`;
    return command === undefined ? { line: `${deploy}, then restart the app with it.` } : { line: `${deploy}, then recreate the app container:`, command };
  }
  if (command === undefined) {
    return { line: `Next: restart the app so it reads the new ${envFile} (there is no compose file here: restart it the way it runs).` };
  }
  if (restart.loadsEnvFile === false) {
    const files = restart.envFiles ?? [];
    const loads = files.length === 0 ? 'has no env_file' : `loads ${files.join(', ')} (env_file)`;
    return {
      line: `Next: the app must be restarted with the new ${envFile}, but its service in the compose file ${loads}, not ${envFile}: recreated as it is, it would not get the new values. Make it load ${envFile} (env_file: ${envFile}), then recreate it:`,
      command,
    };
  }
  // Not known (the app's values come through the compose file's own words): nothing claimed of what it reads.
  return { line: restart.loadsEnvFile === true ? `Next: recreate the app container so it reads the new ${envFile}:` : 'Next: recreate the app container:', command };
}

/** The `keyring` section of `rotate --json`: the status, and where the copy went. */
export function rotationKeyringJson(copy: RotationResult['keyring']): Record<string, unknown> {
  if (copy.status === 'off') return { status: 'off' };
  const backup = copy.backup;
  const backend = backup?.backend ?? (copy.status === 'failed' ? copy.backend : undefined);
  return { status: copy.status, ...(backup ? { service: backup.service } : {}), ...(backend === undefined ? {} : { backend }) };
}
