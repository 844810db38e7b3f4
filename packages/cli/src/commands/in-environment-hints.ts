/**
 * The database password's rotation for an encrypted environment, as typed on the host that runs the
 * database (where compose finds the database container): the rotation protocol runs on the environment
 * itself, its pending file encrypted too.
 */
export function hostRotation(key: string, name: string): string {
  return `envkit rotate ${key} --env ${name}`;
}
