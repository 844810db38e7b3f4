import type { Finding } from '../findings.js';
import type { ComposeFile, ComposeService } from './read.js';
import type { EnvSchema } from '../schema/define.js';
import { rotateTarget } from '../schema/rotate-target.js';
import { imageOf } from './services.js';
import type { ComposeRule, RuleContext } from './rules/rule.js';
import { restartRule } from './rules/restart.js';
import { healthcheckRule } from './rules/healthcheck.js';
import { memoryRule } from './rules/memory.js';
import { loggingRule } from './rules/logging.js';
import { mountsRule } from './rules/mounts.js';
import { envFileRule } from './rules/env-file.js';
import { dbVolumeRule } from './rules/db-volume.js';
import { portsRule } from './rules/ports.js';
import { environmentRule } from './rules/environment.js';
import { literalValuesRule } from './rules/literal-values.js';

export { MIN_SECRET_LENGTH } from './rules/literal-values.js';

/** Options of {@link checkHardening}. */
export interface HardeningOptions {
  /**
   * The schema whose profile names the database and app services, their ports and memory variables (memu's:
   * `db`, `memu` on 8000). Without a profile the database is every service running a PostgreSQL image and the
   * app rules are skipped (docs/profiles.md).
   */
  schema?: EnvSchema;
  /** The database service, overriding the profile's. */
  dbService?: string;
  /** The application service whose port must stay off public interfaces, overriding the profile's. */
  appService?: string;
  /**
   * Secret values from `.env` (key → value), to find a secret written literally into the compose
   * file. Findings name the key, never the value. Values shorter than 8 characters are ignored:
   * they would match by accident.
   */
  secretValues?: ReadonlyMap<string, string>;
}

const DB_IMAGE = /(^|[/:])(postgres|pgvector|postgis|timescaledb)([/:@-]|$)/i;

/** The hardening checklist (docs/deployment.md, docs/compose-rules.md), in the order findings are reported per service. */
const COMPOSE_RULES: readonly ComposeRule[] = [
  restartRule,
  healthcheckRule,
  memoryRule,
  loggingRule,
  mountsRule,
  envFileRule,
  dbVolumeRule,
  portsRule,
  environmentRule,
  literalValuesRule,
];

/**
 * The deployment's hardening checklist (docs/deployment.md), per service, as findings with file:line:
 * restart policy, healthcheck (present, parseable, `pg_isready` for the database), memory limit,
 * log rotation, no bind mount of the source tree or of `.env`, the database port and the app port
 * off public interfaces, no secret written literally, the database's data in a named volume.
 * YAML errors are not repeated here (they are in `file.errors`). Messages never contain a value
 * from `.env`. Each rule is a file of compose/rules/; the service names and ports come from the profile.
 *
 * Decisions: a database port published on every interface is a warning, not an error (a firewall
 * may guard it, and the user may have asked for it); on loopback it is info. A bind mount of the
 * project directory is an error because it also mounts `.env` into the container.
 */
export function checkHardening(file: ComposeFile, options: HardeningOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const profile = options.schema?.profile;
  const dbName = options.dbService ?? profile?.database?.service;
  const appName = options.appService ?? profile?.app?.service;
  const database = profile?.database;
  const context: RuleContext = {
    file,
    database: database && dbName !== undefined ? { ...database, service: dbName } : undefined,
    app: appName === undefined ? undefined : { ...profile?.app, service: appName },
    secretValues: options.secretValues ?? new Map(),
    rotateTarget: (key) => rotateTarget(options.schema, key),
    defaultOf: (key) => options.schema?.vars[key]?.default,
    isDb: (service: ComposeService) => (dbName !== undefined && service.name === dbName) || (options.dbService === undefined && DB_IMAGE.test(imageOf(service) ?? '')),
    at: (node, fallback) => file.lineOf(node) ?? fallback,
    add: ({ severity, rule, line, message, fix, key, hint }) => {
      findings.push({ severity, rule, file: file.path, line, message, fix, ...(key === undefined ? {} : { key }), ...(hint === undefined ? {} : { hint }) });
    },
  };
  for (const service of file.services) for (const rule of COMPOSE_RULES) rule.service?.(service, context);
  for (const rule of COMPOSE_RULES) rule.file?.(context);
  return findings;
}
