import { EnvkitError } from 'envkit';

/**
 * The commands that read or write the plaintext env file and have no encrypted-environment form: with
 * --env (or ENVKIT_ENV) they would silently work on .env instead, so they refuse (USAGE).
 */
export function refusePlainOnly(command: string): void {
  if (!['init', 'backup', 'restore', 'keyring'].includes(command)) return;
  throw new EnvkitError('USAGE', `${command} works on the plaintext env file, not on an encrypted environment (--env or ENVKIT_ENV is set)`, {
    hint: 'leave out --env (or unset ENVKIT_ENV); to fill an environment use `envkit set --env NAME KEY=VALUE` or `envkit encrypt --env NAME --from FILE`',
  });
}
