import type { EnvkitError, Finding, FindingHint } from 'envkit';

// The CLI's words for what the library reports as data: a finding's `hint` and an error's `reason`. The library
// names no flag and no `envkit` command; these are the command lines a user of this CLI runs.

/** The fix of a finding with a hint, as this CLI words it. */
export function hintFix(hint: FindingHint): string {
  switch (hint.code) {
    case 'replace-and-rotate':
      return `replace it with \${${hint.key}}; then rotate it (envkit rotate ${hint.key}) if the file was ever shared`;
    case 'published-database-port':
      return 'fine for `envkit check --online` / `rotate --apply direct`; remove it when no longer needed';
    case 'rewrite-unquoted':
      return `give ${hint.key} a value that needs no quotes (letters, digits and _-.:/@%+=~ need none), then \`envkit set ${hint.key}=...\` writes it bare`;
    case 'database-inside-compose':
      return 'give --db-host/--db-port (a published port or the container address), or run `envkit status`, which logs in through the container';
    case 'ask-from-app':
      return 'run `envkit status`: it asks Ollama from inside the app container';
    case 'database-login-failed':
      return 'is the db container up and its port reachable from here? use --db-host/--db-port; if the password was refused, .env and the database disagree (see `envkit rotate --help`)';
    case 'set-unknown':
      return `run \`envkit set --allow-unknown ${hint.key}=...\` with its value, or give it a default in the compose file: \${${hint.key}:-value}`;
    case 'finish-rotation':
      return `if a rotation is pending, finish it: envkit rotate ${hint.key}`;
  }
}

/** `findings` with the fix of each hinted one in this CLI's words (for the text and the --json output alike). */
export function wordFindings<F extends Finding>(findings: readonly F[]): F[] {
  return findings.map((finding) => (finding.hint === undefined ? finding : { ...finding, fix: hintFix(finding.hint) }));
}

/** An error's hint in this CLI's words, for the reasons whose fix is a flag; else the library's hint. */
export function errorHint(error: EnvkitError): string | undefined {
  switch (error.reason) {
    case 'compose-file-missing':
      return 'give the right path with --compose';
    case 'no-compose-file':
      return 'run it in the directory of the compose file (-C), or name the files with --compose-file';
    case 'no-compose-command':
      return "install podman-compose (apt-get install podman-compose) or name it with --compose-cmd 'docker compose'";
    default:
      return error.hint;
  }
}
