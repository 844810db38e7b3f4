import type { ComposeCommand } from '../../database/compose-command.js';

// memu's deployment facts as rotation uses them (docs/deployment.md): one constant each, in one file, so
// they can follow the memu profile.

/** The database service of the compose file, when the caller names none. */
export const DEFAULT_SERVICE = 'db';
/** The app service recreated after a rotation, when the caller names none. */
export const DEFAULT_APP_SERVICE = 'memu';
/** What the restart line names when no compose command was named or detected (memu runs podman-compose). */
export const FALLBACK_COMPOSE: ComposeCommand = { argv: ['podman-compose'] };
/** Time limit of one compose operation (a container lookup, psql through the engine). */
export const COMPOSE_TIMEOUT_MS = 60_000;
/** Time limit of recreating the app container (it may pull and wait for health checks). */
export const RESTART_TIMEOUT_MS = 300_000;
