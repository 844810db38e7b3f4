/**
 * The database password's rotation for an encrypted environment, as typed on the host that runs the
 * database: the host's .env (which compose reads there anyway) goes through the rotation protocol, then
 * becomes the environment again.
 */
export function hostRotation(key: string, name: string): string {
  return `envkit decrypt --env ${name} --force && envkit rotate ${key} && envkit encrypt --env ${name} --from .env`;
}
