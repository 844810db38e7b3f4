/**
 * Gate for tests that need a real tool (Postgres, the Secret Service, git, python-dotenv, podman-compose).
 * With CI=true a missing tool fails the run: CI must prove the real thing. Elsewhere the suite is skipped
 * with a loud reason, so a developer without the tool still sees what did not run.
 */
export function requireTool(name: string, available: boolean, install: string): boolean {
  if (available) return true;
  const message = `${name} is not available: ${install}`;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`CI=true and ${message}`);
  }
  process.stderr.write(`\n!!! SKIPPING tests that need ${message}\n\n`);
  return false;
}
