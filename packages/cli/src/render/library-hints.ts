import type { Words } from './reasons.js';
import { shellWord } from 'envkit/project';

/**
 * Hints the library says without flags or commands, in this CLI's words: what the library's hint says, with the
 * command or flag that does it. Unlike reasons.ts's WORDS, they stand in for the library's hint only, so a rotation that did
 * not start still says its cause's hint, then that nothing changed.
 */
export const HINTS: Record<string, Words> = {
  // compose and the database, outside a rotation's choices
  'TOOL:container-ambiguous': { hint: () => 'name the compose project with --compose-project NAME so envkit can tell them apart' },
  'USAGE:compose-cmd-shell': { hint: () => "give only the command and its flags, quoted as a shell would, e.g. --compose-cmd \"podman-compose --podman-run-args='--runtime runc'\"" },
  'USAGE:compose-cmd-empty': { hint: () => "name one, e.g. --compose-cmd podman-compose or --compose-cmd 'docker compose'" },
  'TOOL:psql-missing': { hint: () => 'the service must run a PostgreSQL image (memu: pgvector/pgvector); or use --apply direct' },
  'DATABASE:host-unreachable': { hint: () => 'check --db-host/--db-port (memu does not publish 5432 by default; the compose route needs no port)' },
  // encrypted environments
  'CRYPTO:no-recipients': { hint: (d) => `add yourself first: \`envkit recipients add --env ${String(d.environment)}\`` },
  'FILE:environment-missing': {
    hint: (d) => {
      const name = String(d.environment);
      return `create it: \`envkit recipients add --env ${name}\`, then \`envkit set --env ${name} KEY=VALUE\` or \`envkit encrypt --env ${name} --from FILE\``;
    },
  },
  'REFUSED:locked-out': {
    hint: (d) =>
      d.recipient === undefined
        ? 'create your identity with `envkit identity` and add it first'
        : `add yours first: \`envkit recipients add --env ${String(d.environment)} ${String(d.recipient)}\``,
  },
  'CRYPTO:not-age': {
    hint: (d) => {
      if (d.environment === undefined) return 'envkit reads age files (armored or binary); if it holds plaintext, move it away and encrypt it';
      const name = String(d.environment);
      // .env.NAME is the environment's plaintext name: ignored by git (see docs/environments.md, Layout).
      return `envkit reads age files (armored or binary); if it holds plaintext, move it (\`mv -i .env.${name}.age .env.${name}\`), encrypt it with \`envkit encrypt --env ${name} --from .env.${name}\`, then delete .env.${name}`;
    },
  },
  'CRYPTO:not-recipient': {
    hint: (d) => `ask someone who can read it to add you: \`envkit recipients add --env ${d.environment === undefined ? 'NAME' : String(d.environment)} <your age1… recipient>\` (\`envkit identity\` prints yours)`,
  },
  'CRYPTO:no-identity': {
    hint: () => 'create yours with `envkit identity` and have it added as a recipient, or give a key file with --identity FILE (or ENVKIT_IDENTITY_FILE)',
  },
  'CRYPTO:recipient-invalid': {
    hint: (d) => {
      const what = 'a recipient is the public key `age-keygen -y KEYFILE` or `envkit identity` prints (age1…)';
      // A line of a recipients file (`.env.production.recipients:7`): no command reads that file until it is mended by hand.
      const at = /^(.+):(\d+)$/.exec(String(d.where));
      return at === null ? what : `edit ${at[1]}: replace line ${at[2]} by an X25519 recipient (age1…) of its owner, or delete the line; ${what}`;
    },
  },
  'CRYPTO:no-identity-in-file': { hint: () => 'create one with `envkit identity` or `age-keygen -o FILE`' },
  'USAGE:recipient-ambiguous': { hint: () => 'give the age1… recipient itself (`envkit recipients list`)' },
  'USAGE:recipient-unknown': { hint: () => 'see `envkit recipients list` for the recipients and their names' },
  'FILE:editor-removed': { hint: () => 'run `envkit edit` again and save the file in place' },
  'REFUSED:env-differs': {
    hint: (d) => {
      // diff takes a name for an environment and a path (with / or a leading .) for a file; decrypt writes -f's file.
      const file = String(d.envName);
      const path = file.includes('/') || file.startsWith('.') ? file : `./${file}`;
      const other = file === '.env' ? '' : ` -f ${shellWord(file)}`;
      return `compare them with \`envkit diff ${shellWord(path)} ${String(d.environment)}\`, then replace it with \`envkit decrypt --env ${String(d.environment)}${other} --force\``;
    },
  },
  // files, the guard
  'PARSE:unportable-lines': {
    // An environment's lines are mended in its editor (there is no file to edit).
    hint: (d) => (d.environment === undefined ? 'fix each listed line; `envkit check` shows them all' : `fix each listed line with \`envkit edit --env ${String(d.environment)}\``),
  },
  'USAGE:range-invalid': { hint: () => 'e.g. envkit guard --range origin/main..HEAD' },
  'REFUSED:hook-chained': { hint: () => 'merge the two by hand (run one from the other), remove the one no longer wanted, then run `envkit guard install` again' },
  // keyring: an unusable one's repair, then doing without it, which this CLI does with a flag
  'KEYRING:keyring-unusable': { hint: (d) => `${String(d.repair)}; or run with --no-keyring to do without the keyring` },
  'KEYRING:history-unreadable': { hint: (d) => `remove it with \`envkit keyring forget ${String(d.key)} --yes\` (this removes the current value too)` },
};
