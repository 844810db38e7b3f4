import { EnvkitError } from 'envkit';

/**
 * A command that reads or writes the plaintext env file and has no encrypted-environment form (its row's
 * `worksOn.environment` is `plaintext`), run with --env (or ENVKIT_ENV): it would silently work on .env
 * instead, so it refuses (USAGE).
 */
export function refuseEnvironment(command: string): never {
  throw new EnvkitError('USAGE', `${command} works on the plaintext env file, not on an encrypted environment (--env or ENVKIT_ENV is set)`, {
    hint: 'leave out --env (or unset ENVKIT_ENV); to fill an environment use `envkit set --env NAME KEY=VALUE` or `envkit encrypt --env NAME --from FILE`',
  });
}
