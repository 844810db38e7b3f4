import type { ComposeCommand } from '../../database/compose-command.js';

// What a rotation assumes when neither the caller nor the schema's profile (docs/profiles.md) says: memu's
// deployment facts (docs/deployment.md), one constant each, in one file.

/** The database service of the compose file, when neither the caller nor the profile names one. */
export const DEFAULT_SERVICE = 'db';
/** The app service recreated after a rotation, when neither the caller nor the profile names one. */
export const DEFAULT_APP_SERVICE = 'memu';
/** What the restart line names when no compose command was named or detected (memu runs podman-compose). */
export const FALLBACK_COMPOSE: ComposeCommand = { argv: ['podman-compose'] };
/** Time limit of one compose operation (a container lookup, psql through the engine). */
export const COMPOSE_TIMEOUT_MS = 60_000;
/** Time limit of recreating the app container (it may pull and wait for health checks). */
export const RESTART_TIMEOUT_MS = 300_000;
