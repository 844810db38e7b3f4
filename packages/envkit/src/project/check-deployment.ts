import { relative, resolve } from 'node:path';
import type { Finding } from '../findings.js';
import { hasErrors, limitFindings } from '../findings.js';
import { parseDocument } from '../dotenv/document.js';
import { readTextFile } from '../files/write-file.js';
import { EnvkitError } from '../errors.js';
import { findComposeFile, readComposeText } from '../compose/read.js';
import { checkReferences } from '../compose/references.js';
import { checkHardening } from '../compose/hardening.js';
import { envFilesLoaded } from '../compose/services.js';
import { podmanFindings, type PodmanEnvironment } from '../compose/podman.js';
import type { ProbeResult } from '../compose/probes.js';
import { checkProjectWithDocument, type CheckOptions, type CheckResult } from './check.js';
import { projectPaths } from './context.js';
import { onlineProbes, type OnlineOptions } from './check-online.js';
import { readPodmanEnvFile } from '../dotenv/podman-env-file.js';
import type { EnvDocument } from '../dotenv/document.js';

/** Options of {@link checkDeployment}. */
export interface DeploymentCheckOptions extends CheckOptions {
  /** The compose file (relative to the project dir or absolute); `false` skips compose checks. Default: found in the project dir. */
  compose?: string | false;
  /**
   * Compose files layered over `compose` (`-f base -f override`): their services count as names that
   * resolve inside the compose network. The hardening checks judge the base file, the one production runs.
   */
  composeOverrides?: readonly string[];
  /** Database service name (default: the schema profile's, else every service running a PostgreSQL image). */
  dbService?: string;
  /** Application service whose port must stay private (default: the schema profile's; memu's is `memu`). */
  appService?: string;
  /** Versions of podman and podman-compose, when the caller knows them; makes podman warnings precise. */
  podman?: PodmanEnvironment;
  /** Run the online probes: database login and the Ollama API. */
  online?: boolean | OnlineOptions;
}

/** Findings of the whole deployment, plus the probes' results when online. */
export interface DeploymentCheckResult extends CheckResult {
  /** The compose file checked, relative to the project dir. */
  composeFile?: string;
  probes: ProbeResult[];
}

/**
 * `envkit check` for a deployment: the env file's checks, then the compose file's (every `${VAR}` known,
 * the hardening checklist, podman facts), then — when asked — the online probes.
 */
export async function checkDeployment(options: DeploymentCheckOptions): Promise<DeploymentCheckResult> {
  const base = checkProjectWithDocument(options);
  const findings: Finding[] = [...base.findings];
  const paths = projectPaths(options);
  const doc = base.doc ?? parseDocument('');
  const values = doc.toObject();

  let composeFile: string | undefined;
  let composeServices: string[] = [];
  if (options.compose !== false) {
    const path = options.compose === undefined ? findComposeFile(paths.dir) : resolve(paths.dir, options.compose);
    if (path !== undefined) {
      composeFile = relative(paths.dir, path) || path;
      const text = readTextFile(path, { followSymlinks: true });
      if (text === undefined) {
        throw new EnvkitError('FILE', `compose file ${composeFile} does not exist`, { path, hint: 'give the right path of the compose file', reason: 'compose-file-missing' });
      }
      const file = await readComposeText(text, composeFile);
      composeServices = file.services.map((service) => service.name);
      for (const override of options.composeOverrides ?? []) {
        const overridePath = resolve(paths.dir, override);
        const overrideText = readTextFile(overridePath, { followSymlinks: true });
        if (overrideText === undefined) throw new EnvkitError('FILE', `compose file ${override} does not exist`, { path: overridePath });
        composeServices.push(...(await readComposeText(overrideText, override)).services.map((service) => service.name));
      }
      for (const finding of file.errors) findings.push(finding);
      if (file.errors.length === 0) {
        const secretValues = new Map(
          Object.entries(values).filter(([key]) => options.schema.vars[key]?.secret === true),
        );
        // `env_file: .env` hands the container every variable of the file: none of those is unused.
        const envFileLoaded = file.services.some((service) => envFilesLoaded(service, path).some((entry) => entry.resolved === paths.env));
        // One push at a time: spreading a large list into push() overflows the call stack.
        for (const finding of checkReferences(file, { schemaKeys: Object.keys(options.schema.vars), envKeys: doc.keys(), envFileLoaded })) findings.push(finding);
        if (envFileLoaded) for (const finding of podmanEnvFileFindings(doc, paths.envName)) findings.push(finding);
        const hardening = checkHardening(file, {
          schema: options.schema,
          secretValues,
          ...(options.dbService ? { dbService: options.dbService } : {}),
          ...(options.appService ? { appService: options.appService } : {}),
        });
        for (const finding of hardening) findings.push(finding);
        for (const finding of podmanFindings(file, options.podman ?? {})) findings.push(finding);
      }
    }
  }

  let probes: ProbeResult[] = [];
  if (options.online) {
    const online = typeof options.online === 'object' ? options.online : {};
    const result = await onlineProbes(options.schema, values, { composeServices, ...online });
    probes = result.probes;
    for (const finding of result.findings) findings.push(finding);
  }
  const reported = limitFindings(findings);
  return { findings: reported, ok: !hasErrors(reported), probes, ...(composeFile ? { composeFile } : {}) };
}

/**
 * With `env_file:` the containers get the env file as podman reads it (`--env-file`), not as compose or
 * envkit do: a quoted value keeps its quotes, an inline comment becomes part of the value, a multi-line
 * value is cut at its first line. Every variable podman would read differently is an error, named by line.
 */
function podmanEnvFileFindings(doc: EnvDocument, file: string): Finding[] {
  const podman = readPodmanEnvFile(doc.toString());
  const values = doc.toObject();
  const entries = doc.entries();
  return entries.flatMap((entry) => {
    if (podman.values.get(entry.key) === values[entry.key] || values[entry.key] === undefined) return [];
    // Only the last assignment counts for every reader; earlier ones are reported as duplicates.
    if (entries.findLast((e) => e.key === entry.key) !== entry) return [];
    return [{
      severity: 'error' as const,
      rule: 'env.podman-env-file',
      key: entry.key,
      file,
      line: entry.line,
      message: `${entry.key}: podman reads this line of ${file} differently (env_file: quotes, inline comments and surrounding spaces are kept as part of the value, a value spans one line only), so the container would not get the value compose and envkit read`,
      fix: `give ${entry.key} a value that needs no quotes (letters, digits and _-.:/@%+=~ need none); envkit writes such a value bare`,
      hint: { code: 'rewrite-unquoted' as const, key: entry.key },
    }];
  });
}
