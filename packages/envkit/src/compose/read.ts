import { lstatIfAny } from '../files/safe-read.js';
import { join } from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, parseYaml } from './yaml.js';
import type { YamlDocument, YamlMap, YamlNode, YamlPair } from './yaml.js';
import type { Finding } from '../findings.js';

/** One service of a compose file, with the line of its name. */
export interface ComposeService {
  /** The service name (the key under `services:`). */
  name: string;
  /** 1-based line of the service name. */
  line: number;
  /** The service's YAML mapping, with source positions. */
  node: YamlMap;
}

/** A compose file parsed with a real YAML parser (js-yaml's events), keeping where every node starts. */
export interface ComposeFile {
  /** The path given to the reader (used in findings). */
  path: string;
  /** The raw text. */
  text: string;
  /** The parsed document (nodes keep their source ranges). */
  doc: YamlDocument;
  /** The services in file order; empty when `services:` is missing or not a map. */
  services: ComposeService[];
  /** 1-based line where `node` (a node or a pair) starts, if it has a position. */
  lineOf(node: unknown): number | undefined;
  /** YAML syntax errors and structural problems, as error findings with file:line. */
  errors: Finding[];
}

/**
 * The file names a compose tool looks for, in compose-go's order (`docker compose`), then the names
 * only podman-compose knows.
 */
export const COMPOSE_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
  'podman-compose.yaml',
  'podman-compose.yml',
] as const;

/**
 * The compose file of a project directory: the first of {@link COMPOSE_FILE_NAMES} that exists (whatever it is),
 * as an absolute-or-relative path joined to `dir`; `undefined` when there is none.
 */
export function findComposeFile(dir: string): string | undefined {
  for (const name of COMPOSE_FILE_NAMES) {
    const path = join(dir, name);
    // Whatever else is there (a FIFO, a link to a device) is returned, so its reader refuses it by name instead
    // of envkit silently working without the compose file; a directory of that name is not a compose file.
    const stat = lstatIfAny(path);
    if (stat !== undefined && !stat.isDirectory()) return path;
  }
  return undefined;
}

/**
 * Parses compose YAML text. Never throws on bad input: syntax errors become error findings
 * (`compose.yaml`) with file:line, and a file without a `services:` map becomes a `compose.structure`
 * error. Messages quote no text from the file, so a secret written into it is never echoed.
 *
 * @example
 * const file = await readComposeText(readFileSync(path, 'utf8'), 'docker-compose.yml');
 * for (const s of file.services) console.log(s.name, s.line);
 */
export async function readComposeText(text: string, path: string): Promise<ComposeFile> {
  const doc = await parseYaml(text);
  const lineAt = (offset: number): number => doc.linePos(offset).line;

  const lineOf = (node: unknown): number | undefined => {
    if (isPair(node)) return lineOf(node.key) ?? lineOf(node.value);
    const range = (node as YamlNode | undefined)?.range;
    if (range) return lineAt(range[0]);
    return undefined;
  };

  const errors: Finding[] = [];
  for (const error of doc.errors) {
    errors.push({
      severity: 'error',
      rule: 'compose.yaml',
      file: path,
      line: lineAt(error.offset),
      column: doc.linePos(error.offset).col,
      message: `YAML syntax error: ${error.message}`,
      fix: 'fix the YAML at this line; compose refuses the whole file until it parses',
    });
  }

  const services: ComposeService[] = [];
  const root = doc.contents;
  const servicesPair = isMap(root) ? findPair(root, 'services') : undefined;
  if (doc.errors.length === 0) {
    if (!isMap(root)) {
      errors.push({
        severity: 'error',
        rule: 'compose.structure',
        file: path,
        line: lineOf(root) ?? 1,
        message: 'the compose file is not a YAML mapping',
        fix: 'start the file with a top-level `services:` mapping',
      });
    } else if (!servicesPair || !isMap(servicesPair.value)) {
      errors.push({
        severity: 'error',
        rule: 'compose.structure',
        file: path,
        line: lineOf(servicesPair) ?? 1,
        message: servicesPair ? '`services:` is not a mapping of service names' : 'the compose file has no `services:`',
        fix: 'add `services:` with one entry per container (e.g. `memu:` and `db:`)',
      });
    }
  }
  if (servicesPair && isMap(servicesPair.value)) {
    for (const pair of servicesPair.value.items) {
      const name = scalarString(pair.key);
      const line = lineOf(pair) ?? 1;
      if (name === undefined) continue;
      const value = resolveNode(pair.value);
      if (!isMap(value)) {
        errors.push({
          severity: 'error',
          rule: 'compose.structure',
          file: path,
          line,
          message: `service "${name}" is not a mapping`,
          fix: `give "${name}" its settings (image:, environment:, …) as a mapping`,
        });
        continue;
      }
      services.push({ name, line, node: value });
    }
  }

  return { path, text, doc, services, lineOf, errors };
}

/** `node` with an alias (`*name`) replaced by the node it points to. */
export function resolveNode(node: unknown): unknown {
  return isAlias(node) ? node.target : node;
}

/**
 * The pair of `map` whose key is the scalar `key`, if any; keys merged in with `<<: *anchor` count
 * (a key written in the map itself wins, as in YAML merge semantics).
 */
export function findPair(map: YamlMap, key: string, merging: Set<YamlMap> = new Set()): YamlPair | undefined {
  for (const pair of map.items) {
    if (scalarString(pair.key) === key) return pair;
  }
  // A map that merges itself (`a: &a { <<: *a }`) is read once.
  merging.add(map);
  for (const pair of map.items) {
    if (scalarString(pair.key) !== '<<') continue;
    const value = resolveNode(pair.value);
    const sources = isSeq(value) ? value.items.map((item) => resolveNode(item)) : [value];
    for (const source of sources) {
      if (!isMap(source) || merging.has(source)) continue;
      const found = findPair(source, key, merging);
      if (found) return found;
    }
  }
  return undefined;
}

/** The value node under a path of keys (aliases followed), when each step is a map. */
export function getNode(node: unknown, ...keys: string[]): YamlNode | undefined {
  let current: unknown = resolveNode(node);
  for (const key of keys) {
    if (!isMap(current)) return undefined;
    const pair = findPair(current, key);
    if (!pair) return undefined;
    current = resolveNode(pair.value);
  }
  return (current as YamlNode | undefined) ?? undefined;
}

/** The pair at the end of a path of keys, for reporting the line of a key. */
export function getPair(node: unknown, ...keys: string[]): YamlPair | undefined {
  if (keys.length === 0) return undefined;
  const parent = keys.length === 1 ? resolveNode(node) : getNode(node, ...keys.slice(0, -1));
  return isMap(parent) ? findPair(parent, keys[keys.length - 1] as string) : undefined;
}

/**
 * A scalar's value as a string (numbers and booleans as YAML wrote them: `5432`, `true`);
 * `undefined` for anything that is not a scalar or is null.
 */
export function scalarString(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const value = node.value;
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return node.source;
  }
  return undefined;
}
