import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq } from './yaml.js';
import type { YamlNode as Node, YamlPair as Pair } from './yaml.js';
import { getNode, getPair, resolveNode, scalarString } from './read.js';
import type { ComposeService } from './read.js';
import { tokenizeTemplate, type TemplateToken } from './references.js';

// What a compose service says, read one way for every check (the compose rules, podman facts, status):
// its image, restart policy, healthcheck, memory limits, logging, environment, env files, volumes and
// ports, each normalised from the short and long syntax, with the node to report a line for.

/** The service's `image:`, as written (uninterpolated); `undefined` when it has none. */
export function imageOf(service: ComposeService): string | undefined {
  return scalarString(getNode(service.node, 'image'));
}

/** The service's `restart:` pair and `deploy.restart_policy.condition` node, when present. */
export function restartOf(service: ComposeService): { pair: Pair | undefined; policy: Node | undefined } {
  return { pair: getPair(service.node, 'restart'), policy: getNode(service.node, 'deploy', 'restart_policy', 'condition') };
}

/** The service's `healthcheck:` pair and its mapping (`undefined` when it is not a mapping). */
export function healthcheckOf(service: ComposeService): { pair: Pair | undefined; map: Node | undefined } {
  return mappingOf(service, 'healthcheck');
}

/** The service's memory limits as written: `mem_limit` and `deploy.resources.limits.memory`, those present. */
export function memoryLimitsOf(service: ComposeService): Node[] {
  return [getNode(service.node, 'mem_limit'), getNode(service.node, 'deploy', 'resources', 'limits', 'memory')].filter(
    (n): n is Node => n !== undefined,
  );
}

/** The service's `logging:` pair and its mapping (`undefined` when it is not a mapping). */
export function loggingOf(service: ComposeService): { pair: Pair | undefined; map: Node | undefined } {
  return mappingOf(service, 'logging');
}

/** The service's `key:` pair and its value when that is a mapping. */
function mappingOf(service: ComposeService, key: string): { pair: Pair | undefined; map: Node | undefined } {
  const pair = getPair(service.node, key);
  const value = pair ? (resolveNode(pair.value) as Node) : undefined;
  return { pair, map: isMap(value) ? value : undefined };
}

/** A volume entry of a service, short or long syntax, normalised. */
export interface VolumeMount {
  /** `bind` for a host path, `volume` for a named volume, `anonymous` for a target only. */
  kind: 'bind' | 'volume' | 'anonymous' | 'other';
  /** Host path or volume name, as written (uninterpolated). */
  source?: string;
  /** Path in the container. */
  target?: string;
  node: Node;
}

/** A published port of a service, normalised. */
export interface PublishedPort {
  /** Host address as written; `undefined` means every interface. */
  hostIp?: string;
  /** Container port or range start..end. */
  containerStart: number;
  containerEnd: number;
  node: Node;
}

/** One `environment:` entry (map or `NAME=value` list form). */
export interface EnvironmentEntry {
  name: string;
  /** `undefined` for a pass-through entry (`- NAME` or `NAME:`). */
  value?: string;
  node: Node | Pair;
}

/** The `env_file:` entries of a service (a string, a list, or `{ path: … }` items), as written. */
export function envFilesOf(service: ComposeService): { path: string; node: unknown }[] {
  const envFile = getNode(service.node, 'env_file');
  if (!envFile) return [];
  const entries = isSeq(envFile) ? envFile.items.map((i) => resolveNode(i)) : [envFile];
  return entries.flatMap((node) => {
    const path = scalarString(isMap(node) ? getNode(node, 'path') : node);
    return path === undefined ? [] : [{ path, node }];
  });
}

/**
 * The files a service's `env_file:` entries load: each as written, and resolved against the directory of the
 * service's compose file `composePath` (where compose looks for it).
 */
export function envFilesLoaded(service: ComposeService, composePath: string): { path: string; resolved: string }[] {
  return envFilesOf(service).map(({ path }) => ({ path, resolved: resolve(dirname(composePath), path) }));
}

/** The `env_file:` entries of a service that load a file named `.env` whole. */
export function dotEnvFilesOf(service: ComposeService): { path: string; node: unknown }[] {
  return envFilesOf(service).filter(({ path }) => /(^|\/)\.env$/.test(path));
}

/** True when the service loads a file named `.env` whole with `env_file:`. */
export function loadsDotEnv(service: ComposeService): boolean {
  return dotEnvFilesOf(service).length > 0;
}

/** The service's `volumes:` entries, short (`src:dst[:mode]`) and long syntax. */
export function volumesOf(service: ComposeService): VolumeMount[] {
  const mounts: VolumeMount[] = [];
  for (const node of listOf(service, 'volumes')) {
    if (isMap(node)) {
      const type = scalarString(getNode(node, 'type'));
      const source = scalarString(getNode(node, 'source'));
      const target = scalarString(getNode(node, 'target'));
      const kind = type === 'bind' ? 'bind' : type === 'volume' || type === undefined ? (source ? 'volume' : 'anonymous') : 'other';
      const mount: VolumeMount = { kind, node };
      if (source !== undefined) mount.source = source;
      if (target !== undefined) mount.target = target;
      mounts.push(mount);
      continue;
    }
    const text = scalarString(node);
    if (text === undefined) continue;
    const parts = splitColons(text);
    if (parts.length === 1) {
      mounts.push({ kind: 'anonymous', target: parts[0] as string, node });
      continue;
    }
    const source = parts[0] as string;
    const target = parts[1] as string;
    const bind = /^[.~/$]/.test(source) || source === '';
    mounts.push({ kind: bind ? 'bind' : 'volume', source, target, node });
  }
  return mounts;
}

/** The items of the service's list `key:` (aliases resolved); none when it is not a list. */
function listOf(service: ComposeService, key: string): Node[] {
  const list = getNode(service.node, key);
  return isSeq(list) ? list.items.map((item) => resolveNode(item) as Node) : [];
}

/** Splits `src:dst[:mode]` (or `ip:host:container`), keeping `${VAR:-x}` in one piece. */
function splitColons(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '$' && text[i + 1] === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    if (c === ':' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** The service's published ports (`ports:`), short and long syntax. */
export function portsOf(service: ComposeService): PublishedPort[] {
  const ports: PublishedPort[] = [];
  for (const node of listOf(service, 'ports')) {
    if (isMap(node)) {
      const target = scalarString(getNode(node, 'target'));
      const range = target === undefined ? undefined : parseRange(target);
      if (!range) continue;
      const port: PublishedPort = { containerStart: range[0], containerEnd: range[1], node };
      const hostIp = scalarString(getNode(node, 'host_ip'));
      if (hostIp !== undefined) port.hostIp = hostIp;
      ports.push(port);
      continue;
    }
    const text = scalarString(node);
    if (text === undefined) continue;
    const spec = text.replace(/\/(tcp|udp|sctp)$/i, '');
    let hostIp: string | undefined;
    let rest = spec;
    const bracket = /^\[([^\]]*)\]:(.*)$/.exec(spec);
    if (bracket) {
      hostIp = bracket[1] as string;
      rest = bracket[2] as string;
    }
    const parts = splitColons(rest);
    const container = parts[parts.length - 1] as string;
    if (!bracket && parts.length >= 3) hostIp = parts.slice(0, parts.length - 2).join(':');
    const range = parseRange(container);
    if (!range) continue;
    const port: PublishedPort = { containerStart: range[0], containerEnd: range[1], node };
    if (hostIp !== undefined) port.hostIp = hostIp;
    ports.push(port);
  }
  return ports;
}

function parseRange(text: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const start = Number(m[1]);
  return [start, m[2] === undefined ? start : Number(m[2])];
}

/** True when `port` publishes container port `number` (a range counts). */
export function publishes(port: PublishedPort, number: number): boolean {
  return port.containerStart <= number && number <= port.containerEnd;
}

/** True unless the host address is loopback (a `${VAR:-addr}` counts by its default). */
export function publishedEverywhere(hostIp: string | undefined): boolean {
  if (hostIp === undefined) return true;
  const ip = literalOrDefault(hostIp);
  if (ip === null || ip === undefined) return true;
  return !(ip === 'localhost' || ip === '::1' || /^127\.\d+\.\d+\.\d+$/.test(ip));
}

/** The service's `environment:` entries, in file order. */
export function environmentOf(service: ComposeService): EnvironmentEntry[] {
  const env = getNode(service.node, 'environment');
  const entries: EnvironmentEntry[] = [];
  if (isMap(env)) {
    for (const pair of env.items) {
      const name = scalarString(pair.key);
      if (name === undefined) continue;
      const value = scalarString(resolveNode(pair.value));
      const entry: EnvironmentEntry = { name, node: pair as Pair };
      if (value !== undefined) entry.value = value;
      entries.push(entry);
    }
  } else if (isSeq(env)) {
    for (const item of env.items) {
      const node = resolveNode(item) as Node;
      const text = scalarString(node);
      if (text === undefined) continue;
      const eq = text.indexOf('=');
      entries.push(eq < 0 ? { name: text, node } : { name: text.slice(0, eq), value: text.slice(eq + 1), node });
    }
  }
  return entries;
}

/** The variable a value is exactly a reference to (`${NAME}`, `$NAME`, `${NAME:-d}`), if it is one. */
export function onlyReference(value: string): string | undefined {
  return soleReference(value, tokenizeTemplate(value))?.name;
}

/** The one reference token that spans the whole of `text`, if its tokens are exactly that. */
function soleReference(text: string, tokens: readonly TemplateToken[]): TemplateToken | undefined {
  const only = tokens.length === 1 ? tokens[0] : undefined;
  return only?.kind === 'reference' && only.start === 0 && only.end === text.length ? only : undefined;
}

/**
 * The literal a value stands for: the text itself when it has no reference, the default of a value
 * that is exactly `${VAR:-d}` / `${VAR-d}`, `null` when it depends on a variable without a default.
 */
export function literalOrDefault(text: string): string | null | undefined {
  const tokens = tokenizeTemplate(text);
  if (tokens.length === 0) return text;
  const only = soleReference(text, tokens);
  if (only) return only.operator === ':-' || only.operator === '-' ? only.argument : null;
  return tokens.some((t) => t.kind === 'problem') ? undefined : null;
}

/** A scalar's `true` (YAML boolean), for flags such as `disable: true`. */
export function isTrue(node: unknown): boolean {
  return isScalar(node) && node.value === true;
}
