import { parseYaml, walkScalars } from './yaml.js';
import type { ScalarStyle, YamlDocument } from './yaml.js';
import type { Finding } from '../findings.js';
import type { ComposeFile } from './read.js';

/** The operator of a braced reference: `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`, `${VAR?e}`, `${VAR:+a}`, `${VAR+a}`. */
export type ReferenceOperator = ':-' | '-' | ':?' | '?' | ':+' | '+';

/** One variable reference in a compose file, where compose-go would interpolate it. */
export interface VarReference {
  /** The variable name. */
  name: string;
  /** 1-based line of the `$`. */
  line: number;
  /** 1-based column of the `$`. */
  column: number;
  /**
   * `plain` `$VAR`; `braced` `${VAR}`; `default` `${VAR:-d}` / `${VAR-d}`, and also `${VAR:+a}` /
   * `${VAR+a}` (unset gives the empty string, without a warning); `required` `${VAR:?e}` / `${VAR?e}`.
   */
  form: 'plain' | 'braced' | 'default' | 'required';
  /** The operator of a braced reference with one. */
  operator?: ReferenceOperator;
  /** What the reference yields when the variable is unset: the `-` / `:-` text, or `''` for `+` / `:+`. */
  defaultValue?: string;
  /** The raw text after the operator (default, alternative or error message), uninterpolated. */
  argument?: string;
  /** True when the reference sits inside another reference's default, alternative or error text. */
  nested?: boolean;
}

/** A `$` that compose-go would reject ("Invalid template"): the whole file fails to load. */
export interface ReferenceProblem {
  line: number;
  column: number;
  /** What is wrong, without quoting the file. */
  message: string;
}

/** The result of {@link scanReferences}. */
export interface ReferenceScan {
  references: VarReference[];
  problems: ReferenceProblem[];
}

/** A reference, `$$` escape or problem at [start, end) of one interpolated string. */
export interface TemplateToken {
  kind: 'escape' | 'reference' | 'problem';
  start: number;
  end: number;
  name?: string;
  form?: VarReference['form'];
  operator?: ReferenceOperator;
  argument?: string;
  nested?: boolean;
  message?: string;
}

const NAME_START = /[_a-zA-Z]/;
const NAME_CHAR = /[_a-zA-Z0-9]/;
const OPERATORS: readonly ReferenceOperator[] = [':-', ':?', ':+', '-', '?', '+'];

/**
 * Tokenizes one string as compose-go's template package does (compose v2): `$$` is a literal `$`;
 * `$name` and `${name…}` are references (names are `[_a-zA-Z][_a-zA-Z0-9]*`); a `${` that does not
 * form a valid reference is an error; any other `$` is literal. The text after an operator runs to
 * the brace that balances the opening one on the same line, and is itself interpolated (nested
 * references are evaluated even when the outer variable is set, so they are reported).
 */
export function tokenizeTemplate(value: string, nested = false): TemplateToken[] {
  const tokens: TemplateToken[] = [];
  let i = 0;
  while (i < value.length) {
    const dollar = value.indexOf('$', i);
    if (dollar < 0) break;
    const next = value[dollar + 1];
    if (next === '$') {
      tokens.push({ kind: 'escape', start: dollar, end: dollar + 2 });
      i = dollar + 2;
      continue;
    }
    if (next !== undefined && NAME_START.test(next)) {
      let end = dollar + 2;
      while (end < value.length && NAME_CHAR.test(value[end] as string)) end++;
      tokens.push({ kind: 'reference', start: dollar, end, name: value.slice(dollar + 1, end), form: 'plain', nested });
      i = end;
      continue;
    }
    if (next !== '{') {
      i = dollar + 1; // a lone `$` (`a $ b`, `^x$`, `$}`) stays literal
      continue;
    }
    const braced = readBraced(value, dollar);
    if (braced.kind === 'problem') {
      tokens.push({ ...braced, nested });
      // compose-go's match for an invalid template is just `${`; the rest is scanned as text.
      i = dollar + 2;
      continue;
    }
    tokens.push({ ...braced, nested });
    if (braced.argument !== undefined && braced.operator !== undefined) {
      const argStart = dollar + 2 + (braced.name as string).length + braced.operator.length;
      for (const inner of tokenizeTemplate(braced.argument, true)) {
        tokens.push({ ...inner, start: inner.start + argStart, end: inner.end + argStart });
      }
    }
    i = braced.end;
  }
  return tokens;
}

/** Reads `${…}` at `dollar` (value[dollar+1] is `{`). */
function readBraced(value: string, dollar: number): TemplateToken {
  const nameStart = dollar + 2;
  let nameEnd = nameStart;
  if (nameEnd < value.length && NAME_START.test(value[nameEnd] as string)) {
    nameEnd++;
    while (nameEnd < value.length && NAME_CHAR.test(value[nameEnd] as string)) nameEnd++;
  }
  const lineEnd = indexOrEnd(value, '\n', dollar);
  if (nameEnd === nameStart) {
    const closed = value.indexOf('}', dollar) >= 0 && value.indexOf('}', dollar) < lineEnd;
    return problem(dollar, closed ? 'a `${…}` without a valid variable name (names are letters, digits and `_`, not starting with a digit)' : 'an unclosed `${`');
  }
  const name = value.slice(nameStart, nameEnd);
  if (value[nameEnd] === '}') {
    return { kind: 'reference', start: dollar, end: nameEnd + 1, name, form: 'braced' };
  }
  const operator = OPERATORS.find((op) => value.startsWith(op, nameEnd));
  if (operator === undefined) {
    const closed = value.indexOf('}', nameEnd) >= 0 && value.indexOf('}', nameEnd) < lineEnd;
    return problem(
      dollar,
      closed
        ? `\`\${${name}…}\` has text after the name that is not an operator (:- - :? ? :+ +)`
        : `an unclosed \`\${${name}\``,
    );
  }
  // compose-go's regex takes `.*}` (greedy, one line), then cuts at the first balanced `}`.
  const argStart = nameEnd + operator.length;
  const lastBrace = value.lastIndexOf('}', lineEnd - 1);
  if (lastBrace < argStart) return problem(dollar, `an unclosed \`\${${name}${operator}\``);
  let close = lastBrace;
  let depth = 0;
  for (let k = dollar + 1; k <= lastBrace; k++) {
    const c = value[k];
    if (c === '}') {
      depth--;
      if (depth === 0) {
        close = k;
        break;
      }
    }
    if (c === '{') {
      depth++;
      k++; // compose-go skips the character after a `{`
    }
  }
  const argument = value.slice(argStart, close);
  const form: VarReference['form'] = operator.endsWith('?') ? 'required' : 'default';
  return { kind: 'reference', start: dollar, end: close + 1, name, form, operator, argument };
}

function problem(start: number, message: string): TemplateToken {
  return { kind: 'problem', start, end: start + 2, message };
}

function indexOrEnd(value: string, search: string, from: number): number {
  const index = value.indexOf(search, from);
  return index < 0 ? value.length : index;
}

/**
 * Every variable reference in a compose file, with line:column, as compose-go interpolates it: only
 * string values are interpolated (not mapping keys, not numbers or booleans, never comments), after
 * YAML has unquoted them. Positions point at the `$` in the source when it can be found there (for
 * an escaped double-quoted string or a folded scalar they fall back to the scalar's start). Text that
 * is not YAML (a syntax error) has no references: compose would refuse it before interpolating.
 *
 * @example
 * scanReferences('services:\n  db:\n    image: "pg:${PG_TAG:-16}"\n').references
 * // [{ name: 'PG_TAG', line: 3, column: 15, form: 'default', operator: ':-', defaultValue: '16' }]
 */
export function scanReferences(text: string): ReferenceScan {
  // Duplicate keys are readComposeText's error to report; references are found in every value anyway.
  const doc = parseYaml(text, { uniqueKeys: false });
  return scanDocument(doc, text);
}

const scans = new WeakMap<ComposeFile, ReferenceScan>();

/**
 * {@link scanReferences} of a compose file already read, from its parsed document: `envkit check` asks
 * several checks for the same file's references, and the YAML is parsed once.
 */
export function composeReferences(file: ComposeFile): ReferenceScan {
  let scan = scans.get(file);
  if (scan === undefined) {
    scan = scanDocument(file.doc, file.text);
    scans.set(file, scan);
  }
  return scan;
}

function scanDocument(doc: YamlDocument, text: string): ReferenceScan {
  const references: VarReference[] = [];
  const problems: ReferenceProblem[] = [];

  walkScalars(doc.contents, (node, isKey) => {
    // compose-go interpolates values only: mapping keys stay as written.
    if (!isKey) scanScalar(node.value, node.range, node.style);
  });

  function scanScalar(value: unknown, range: [number, number] | undefined, style: ScalarStyle): void {
    if (typeof value !== 'string' || !value.includes('$') || !range) return;
    const [start, end] = range;
    const source = text.slice(start, end);
    // Where the value is the source verbatim (the usual case) positions are exact; otherwise each
    // token is searched for in order in the source, which survives quoting and block indentation.
    let shift: number | undefined;
    if (style === 'plain' && source === value) shift = 0;
    else if ((style === 'single' || style === 'double') && source.slice(1, -1) === value) shift = 1;
    let cursor = 0;
    for (const token of tokenizeTemplate(value)) {
      let offset = start;
      if (shift !== undefined) {
        offset = start + shift + token.start;
      } else {
        const raw = value.slice(token.start, token.end);
        const found = source.indexOf(raw, cursor);
        if (found >= 0) {
          offset = start + found;
          // After a reference with an argument, its nested tokens follow: continue inside it.
          cursor =
            token.kind === 'reference' && token.operator !== undefined
              ? found + 2 + (token.name as string).length + token.operator.length
              : found + raw.length;
        }
      }
      const pos = doc.linePos(offset);
      if (token.kind === 'problem') {
        problems.push({ line: pos.line, column: pos.col, message: token.message as string });
      } else if (token.kind === 'reference') {
        const reference: VarReference = {
          name: token.name as string,
          line: pos.line,
          column: pos.col,
          form: token.form as VarReference['form'],
        };
        if (token.operator !== undefined) {
          reference.operator = token.operator;
          reference.argument = token.argument as string;
          if (token.form === 'default') {
            reference.defaultValue = token.operator.endsWith('+') ? '' : (token.argument as string);
          }
        }
        if (token.nested) reference.nested = true;
        references.push(reference);
      }
    }
  }

  references.sort((a, b) => a.line - b.line || a.column - b.column);
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { references, problems };
}

/**
 * Checks every reference of a compose file against what `.env` and the schema define.
 * - a reference compose-go would reject → error `compose.invalid-reference`;
 * - a variable neither in the schema nor in `.env`, without a default → error `compose.undefined-var`
 *   (compose would substitute an empty string, or fail for `${VAR:?…}`); inside another
 *   reference's default it only matters when the outer one is unset → warning;
 * - a schema variable the compose file never uses (neither as a reference nor through an `env_file` that
 *   loads the env file, when `envFileLoaded`) → info `compose.unused-var`.
 */
export function checkReferences(
  file: ComposeFile,
  known: {
    schemaKeys: string[];
    envKeys: string[];
    /** A service loads the env file whole (`env_file: .env`): every variable in it reaches a container. */
    envFileLoaded?: boolean;
  },
): Finding[] {
  const { references, problems } = composeReferences(file);
  const defined = new Set([...known.schemaKeys, ...known.envKeys]);
  const findings: Finding[] = [];

  for (const p of problems) {
    findings.push({
      severity: 'error',
      rule: 'compose.invalid-reference',
      file: file.path,
      line: p.line,
      column: p.column,
      message: `${p.message}: compose refuses the file ("Invalid template")`,
      fix: 'close it as `${NAME}`, or write `$$` for a literal `$`',
    });
  }

  for (const ref of references) {
    if (defined.has(ref.name) || ref.form === 'default') continue;
    const required = ref.form === 'required';
    findings.push({
      severity: ref.nested ? 'warning' : 'error',
      rule: 'compose.undefined-var',
      key: ref.name,
      file: file.path,
      line: ref.line,
      column: ref.column,
      message: required
        ? `${ref.name} is required here but is neither in .env nor in the schema: compose stops with "required variable ${ref.name} is missing a value"`
        : `${ref.name} is neither in .env nor in the schema: compose substitutes an empty string${ref.nested ? ' when the outer variable is unset' : ''}`,
      fix: `give ${ref.name} a value in the env file, or give it a default in the compose file: \${${ref.name}:-value}`,
      hint: { code: 'set-unknown', key: ref.name },
    });
  }

  const used = new Set(references.map((r) => r.name));
  if (known.envFileLoaded) for (const key of known.envKeys) used.add(key);
  for (const key of known.schemaKeys) {
    if (used.has(key)) continue;
    findings.push({
      severity: 'info',
      rule: 'compose.unused-var',
      key,
      file: file.path,
      message: `${key} is defined by the schema but the compose file never references it`,
      fix: `pass it to the service that needs it (environment: ${key}: \${${key}}) or drop it from the schema`,
    });
  }
  return findings;
}
