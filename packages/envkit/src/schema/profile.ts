/**
 * What a deployment looks like beyond its variables: which compose service is the database and which the
 * application, the ports they listen on, and which variables hold the database login. The generic checks
 * (compose rules, `check --online`, `status`, rotation) take these names from here instead of knowing one
 * deployment; a schema carries its profile (`defineSchema(…, { profile })`), memu's is schema/memu-profile.ts.
 * A schema without one still works: what needs a name it does not give is skipped (docs/profiles.md).
 */
export interface DeploymentProfile {
  /** The PostgreSQL service and the variables of its login. */
  readonly database?: DatabaseProfile;
  /** The application service. */
  readonly app?: AppProfile;
  /** The variable holding the Ollama API URL the app uses (memu: `OLLAMA_API_BASE_URL`): probed by `check --online` and `status`. */
  readonly ollamaKey?: string;
}

/** The database service of a {@link DeploymentProfile}. */
export interface DatabaseProfile {
  /** Its compose service (memu: `db`); also the host a fresh connection URL names. */
  readonly service: string;
  /** The port it listens on inside its container (PostgreSQL: 5432). */
  readonly port: number;
  /** The variables of its login: password, user, database and the URL derived from them, if any. */
  readonly keys: DatabaseKeyNames;
  /** The variable holding its memory limit (memu: `DB_MEMORY_LIMIT`). */
  readonly memoryKey?: string;
}

/** Which variables make up a database login. */
export interface DatabaseKeyNames {
  readonly password: string;
  readonly user: string;
  readonly database: string;
  /** The connection URL the app reads (memu: `MEMU_DB_URL`). */
  readonly url?: string;
}

/** The application service of a {@link DeploymentProfile}. */
export interface AppProfile {
  /** Its compose service (memu: `memu`). */
  readonly service: string;
  /** The port it serves on inside its container (memu: 8000); published on every interface it is a warning. */
  readonly port?: number;
  /** What that port gives away to whoever reaches it, for the warning (memu: its /health shows the database URL). */
  readonly exposes?: string;
  /** The variable holding its memory limit (memu: `MEMU_MEMORY_LIMIT`). */
  readonly memoryKey?: string;
}

/** The postgres image's own variable names (`POSTGRES_PASSWORD`, `POSTGRES_USER`, `POSTGRES_DB`). */
export const POSTGRES_IMAGE_KEYS = { password: 'POSTGRES_PASSWORD', user: 'POSTGRES_USER', database: 'POSTGRES_DB' } as const;

/** The variable names a profile uses, for checking that the schema defines each of them. */
export function profileKeys(profile: DeploymentProfile): string[] {
  const { database, app } = profile;
  return [
    ...(database ? [database.keys.password, database.keys.user, database.keys.database, database.keys.url, database.memoryKey] : []),
    app?.memoryKey,
    profile.ollamaKey,
  ].filter((key): key is string => key !== undefined);
}
