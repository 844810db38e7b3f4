import type { Event, ScalarEvent } from 'js-yaml';
import { importOptionalPeer } from '../optional-peer.js';
import { lineIndexAt } from '../text/line-index.js';

// The compose file as a tree of positioned YAML nodes, built from js-yaml's event stream (a YAML 1.2
// parser whose events carry source offsets). The checks need values, their YAML types and where each node
// starts: this is all of that and nothing more, and reading the memu compose file this way costs a fraction
// of a full document model (`pnpm bench`, check).

/** How a scalar was written. */
export type ScalarStyle = 'plain' | 'single' | 'double' | 'literal' | 'folded';

/** A scalar with its YAML 1.2 core-schema value: `5432` is a number, `true` a boolean, `~` null. */
export interface YamlScalar {
  kind: 'scalar';
  value: string | number | boolean | null;
  /** The text as written for a plain scalar (`5432`, `0o17`), the decoded text otherwise. */
  source: string;
  style: ScalarStyle;
  /** [start, end) of the scalar in the source, quotes and a block scalar's `|`/`>` header included; absent for an empty value. */
  range: [number, number] | undefined;
  anchor?: string;
}

/** A mapping: its pairs in source order (keys merged in with `<<` are not expanded here). */
export interface YamlMap {
  kind: 'map';
  items: YamlPair[];
  range: [number, number];
  anchor?: string;
}

export interface YamlSeq {
  kind: 'seq';
  items: YamlNode[];
  range: [number, number];
  anchor?: string;
}

/** `*name`: `target` is the node anchored `&name` before it (undefined when there is none). */
export interface YamlAlias {
  kind: 'alias';
  name: string;
  target: YamlNode | undefined;
  range: [number, number];
}

export interface YamlPair {
  kind: 'pair';
  key: YamlNode;
  value: YamlNode;
}

export type YamlNode = YamlScalar | YamlMap | YamlSeq | YamlAlias;

/** A syntax or structure error: the reason never quotes the source (it may hold a secret). */
export interface YamlError {
  offset: number;
  message: string;
}

/** The result of {@link parseYaml}. */
export interface YamlDocument {
  /** The document's root node; null for an empty file or when it did not parse. */
  contents: YamlNode | null;
  errors: YamlError[];
  /** 1-based line and column of an offset. */
  linePos(offset: number): { line: number; col: number };
}

export const isMap = (node: unknown): node is YamlMap => (node as YamlNode | undefined)?.kind === 'map';
export const isSeq = (node: unknown): node is YamlSeq => (node as YamlNode | undefined)?.kind === 'seq';
export const isScalar = (node: unknown): node is YamlScalar => (node as YamlNode | undefined)?.kind === 'scalar';
export const isAlias = (node: unknown): node is YamlAlias => (node as YamlNode | undefined)?.kind === 'alias';
export const isPair = (node: unknown): node is YamlPair => (node as YamlPair | undefined)?.kind === 'pair';

/** js-yaml and the tables built from it. */
interface Grammar {
  yaml: JsYaml;
  styles: Record<number, ScalarStyle>;
  /** The core schema's implicit types, in its order; a plain scalar none of them takes is a string. */
  implicit: readonly CoreTag[];
  explicit: Readonly<Record<string, CoreTag>>;
}
type JsYaml = typeof import('js-yaml');
type CoreTag = JsYaml['nullCoreTag'] | JsYaml['boolCoreTag'] | JsYaml['intCoreTag'] | JsYaml['floatCoreTag'];

let grammar: Promise<Grammar> | undefined;

/**
 * js-yaml, loaded on the first parse: it is an optional peer dependency of envkit (only compose files are
 * YAML, and a tool that only loads its environment never reads one).
 */
function loadGrammar(): Promise<Grammar> {
  grammar ??= importOptionalPeer(() => import('js-yaml'), { package: 'js-yaml', name: 'js-yaml', purpose: 'to read compose files' }).then((yaml) => {
    const { SCALAR_STYLE, nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag } = yaml;
    return {
      yaml,
      styles: {
        [SCALAR_STYLE.PLAIN]: 'plain',
        [SCALAR_STYLE.SINGLE_QUOTED]: 'single',
        [SCALAR_STYLE.DOUBLE_QUOTED]: 'double',
        [SCALAR_STYLE.LITERAL_BLOCK]: 'literal',
        [SCALAR_STYLE.FOLDED_BLOCK]: 'folded',
      },
      implicit: [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag],
      explicit: { '!!null': nullCoreTag, '!!bool': boolCoreTag, '!!int': intCoreTag, '!!float': floatCoreTag },
    };
  });
  return grammar;
}

/**
 * Parses one YAML document into positioned nodes. Never throws on bad input. A syntax error gives an
 * error with its offset and no contents. A second document, a key given twice in one mapping
 * (`uniqueKeys: false` allows it) or an alias to no anchor gives an error and the tree as far as it goes:
 * compose refuses such a file, but podman-compose reads one with a repeated key (the last one counts).
 */
export async function parseYaml(text: string, options: { uniqueKeys?: boolean } = {}): Promise<YamlDocument> {
  const g = await loadGrammar();
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const linePos = (offset: number): { line: number; col: number } => {
    const index = lineIndexAt(lineStarts, offset);
    return { line: index + 1, col: offset - (lineStarts[index] as number) + 1 };
  };

  let events: Event[];
  try {
    events = g.yaml.parseEvents(text, {});
  } catch (error) {
    const { reason, mark } = error as { reason?: unknown; mark?: { position?: number } };
    return { contents: null, errors: [{ offset: mark?.position ?? 0, message: safeReason(reason) }], linePos };
  }
  const builder = new TreeBuilder(g, text, events, options.uniqueKeys !== false);
  const contents = builder.document();
  return { contents, errors: builder.errors, linePos };
}

/**
 * js-yaml's reason for a syntax error without the text it may quote (a tag name or handle: the file's own
 * text, which may be a secret). Its message, which adds a snippet of the source, is never used.
 */
function safeReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason === '') return 'the YAML does not parse';
  const cut = reason.search(/: |"/);
  return (cut < 0 ? reason : reason.slice(0, cut)).trim();
}

/** Builds the tree from the flat event stream (a node's children follow it, up to its POP). */
class TreeBuilder {
  private next = 0;
  private readonly anchors = new Map<string, YamlNode>();
  readonly errors: YamlError[] = [];

  constructor(
    private readonly g: Grammar,
    private readonly text: string,
    private readonly events: readonly Event[],
    private readonly uniqueKeys: boolean,
  ) {}

  private get id(): Grammar['yaml']['EVENT_ID'] {
    return this.g.yaml.EVENT_ID;
  }

  /** The first document's tree (null when it is empty); a second document is an error. */
  document(): YamlNode | null {
    const second = this.events.findIndex((event, i) => i > 0 && event.type === this.id.DOCUMENT);
    if (second > 0) {
      this.errors.push({ offset: this.startOf(second), message: 'the file holds more than one YAML document: compose reads a single one' });
    }
    if (this.events[0]?.type !== this.id.DOCUMENT) return null;
    this.next = 1; // past DOCUMENT
    if (this.events[this.next]?.type === this.id.POP) return null;
    return this.node();
  }

  /** Where the first node at or after event `index` starts (for an error's position). */
  private startOf(index: number): number {
    for (const event of this.events.slice(index)) {
      if ('start' in event && event.start >= 0) return event.start;
      if ('valueStart' in event && event.valueStart >= 0) return event.valueStart;
    }
    return this.text.length;
  }

  private node(): YamlNode {
    const event = this.events[this.next++] as Event;
    switch (event.type) {
      case this.id.SCALAR:
        return this.anchor(event, this.scalar(event));
      case this.id.ALIAS: {
        const name = this.text.slice(event.anchorStart, event.anchorEnd);
        const target = this.anchors.get(name);
        if (target === undefined) this.errors.push({ offset: event.anchorStart - 1, message: 'an alias (`*name`) names no anchor defined before it' });
        return { kind: 'alias', name, target, range: [event.anchorStart - 1, event.anchorEnd] };
      }
      case this.id.SEQUENCE: {
        const seq: YamlSeq = { kind: 'seq', items: [], range: [event.start, event.start] };
        this.anchor(event, seq);
        while (this.events[this.next]?.type !== this.id.POP) seq.items.push(this.node());
        this.next++;
        return seq;
      }
      case this.id.MAPPING: {
        const map: YamlMap = { kind: 'map', items: [], range: [event.start, event.start] };
        this.anchor(event, map);
        const seen = new Set<string>();
        while (this.events[this.next]?.type !== this.id.POP) {
          const key = this.node();
          const value = this.node();
          if (this.uniqueKeys && key.kind === 'scalar') {
            // Equal values collide (`5432` and `"5432"` do not, as in compose's YAML reader).
            const name = `${typeof key.value}:${String(key.value)}`;
            if (seen.has(name)) {
              this.errors.push({ offset: key.range?.[0] ?? map.range[0], message: 'a key is given twice in the same mapping (compose refuses the file)' });
            }
            seen.add(name);
          }
          map.items.push({ kind: 'pair', key, value });
        }
        this.next++;
        return map;
      }
      default:
        throw new Error(`envkit: unexpected YAML event ${String(event.type)}`);
    }
  }

  private scalar(event: ScalarEvent): YamlScalar {
    const style = this.g.styles[event.style] ?? 'plain';
    const text = this.g.yaml.getScalarValue(this.text, event);
    const quoted = style === 'single' || style === 'double';
    let range: [number, number] | undefined;
    if (event.valueStart >= 0) {
      if (quoted) range = [event.valueStart - 1, event.valueEnd + 1];
      else if (style === 'plain') range = [event.valueStart, event.valueEnd];
      else {
        // A block scalar's content starts on the line after its `|` or `>`; the scalar starts at that sign.
        const sign = this.text.lastIndexOf(style === 'literal' ? '|' : '>', event.valueStart);
        range = [sign >= 0 ? sign : event.valueStart, event.valueEnd];
      }
    }
    const tag = event.tagStart < 0 ? undefined : this.text.slice(event.tagStart, event.tagEnd);
    return { kind: 'scalar', value: resolveScalar(this.g, text, style, tag), source: text, style, range };
  }

  private anchor<N extends YamlNode>(event: { anchorStart: number; anchorEnd: number }, node: N): N {
    if (event.anchorStart >= 0) {
      const name = this.text.slice(event.anchorStart, event.anchorEnd);
      (node as { anchor?: string }).anchor = name;
      this.anchors.set(name, node);
    }
    return node;
  }
}

/** A scalar's value: core-schema types for a plain one (or one tagged `!!int`…), the text otherwise. */
function resolveScalar(g: Grammar, text: string, style: ScalarStyle, tag: string | undefined): YamlScalar['value'] {
  if (tag !== undefined) {
    const explicit = g.explicit[tag];
    if (explicit === undefined) return text; // `!!str`, and compose's own `!reset`/`!override`
    const value = explicit.resolve(text, true, explicit.tagName);
    return typeof value === 'symbol' ? text : (value as YamlScalar['value']);
  }
  if (style !== 'plain') return text;
  for (const type of g.implicit) {
    const value = type.resolve(text, false, type.tagName);
    if (typeof value !== 'symbol') return value as YamlScalar['value'];
  }
  return text;
}

/**
 * Calls `visit` for every scalar under `node`, with `isKey` true for a mapping key. Aliases are not
 * followed: each scalar is visited where it is written.
 */
export function walkScalars(node: YamlNode | null, visit: (scalar: YamlScalar, isKey: boolean) => void, isKey = false): void {
  if (node === null) return;
  if (node.kind === 'scalar') visit(node, isKey);
  else if (node.kind === 'seq') for (const item of node.items) walkScalars(item, visit);
  else if (node.kind === 'map') {
    for (const pair of node.items) {
      walkScalars(pair.key, visit, true);
      walkScalars(pair.value, visit);
    }
  }
}
