// Parse and serialize throughput of envkit's document model against npm dotenv's parse, at 1×, 4× and 16×
// a 7 MB / 300k-line `.env`. Run by scripts/bench.mjs in its own process (node --expose-gc, a large heap);
// prints one JSON object on stdout.
//
//   node --expose-gc --max-old-space-size=8192 scripts/bench/throughput.mjs <envkit dist/index.js> [--quick]
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [indexFile, ...flags] = process.argv.slice(2);
const quick = flags.includes('--quick');
const { parseDocument } = await import(pathToFileURL(indexFile).href);
const dotenv = createRequire(import.meta.url)('dotenv');

const BASE = 7_000_000;
const FACTORS = quick ? [1, 4] : [1, 4, 16];

/**
 * A realistic `.env` of about `bytes` bytes (7 MB is about 300k lines): comments, blank lines, `export`,
 * double quotes with an escape, single quotes, inline comments and plain values (the mix of the scanner's own
 * throughput test, with shorter plain values).
 */
function generate(bytes) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const r = i % 10;
    const line =
      r === 0
        ? `# comment ${i}`
        : r === 1
          ? ''
          : r === 2
            ? `export KEY_${i}="double ${i}\\n"`
            : r === 3
              ? `KEY_${i}='single ${i}'`
              : r === 4
                ? `KEY_${i}=plain_${i} # note`
                : `KEY_${i}=v-${i}-abcd`;
    parts.push(line);
    size += line.length + 1;
  }
  return `${parts.join('\n')}\n`;
}

/**
 * Median milliseconds of `runs` calls of `fn(setup())` (setup not timed), each after a full GC so that one
 * run's garbage is not the next one's cost.
 */
function median(runs, fn, setup = () => undefined) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const input = setup();
    globalThis.gc?.();
    const t = process.hrtime.bigint();
    fn(input);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

const sizes = [];
for (const factor of FACTORS) {
  const text = generate(BASE * factor);
  const bytes = Buffer.byteLength(text);
  const lines = text.split('\n').length - 1;
  const runs = factor === 1 ? 7 : factor === 4 ? 5 : 3;
  // A key in the middle: set() rebuilds the text around it and re-scans the whole document to verify it.
  const middle = `KEY_${Math.floor(lines / 2 / 10) * 10 + 5}`;
  let sink = 0;
  const ms = {
    dotenvParse: median(runs, () => (sink += Object.keys(dotenv.parse(text)).length)),
    // The document alone: one scan, values decoded when asked for.
    parse: median(runs, () => (sink += parseDocument(text).toString().length)),
    // The document plus every value decoded: the same work as dotenv.parse's result.
    parseValues: median(runs, () => (sink += Object.keys(parseDocument(text).toObject()).length)),
  };
  const doc = parseDocument(text);
  if (doc.get(middle) === undefined) throw new Error(`generated text has no ${middle}`);
  // The document keeps its text, so serializing an unchanged one costs nothing; after an edit it is rebuilt.
  ms.serialize = median(runs, () => (sink += doc.toString().length));
  // One edit and the text back: set() rebuilds the text around the value and re-scans it to verify that
  // nothing else changed. The document is parsed (and its keys indexed) before the clock starts.
  ms.setSerialize = median(
    runs,
    (copy) => {
      copy.set(middle, 'changed-value');
      sink += copy.toString().length;
    },
    () => {
      const copy = parseDocument(text);
      copy.has(middle);
      return copy;
    },
  );
  if (sink === 0) throw new Error('nothing measured');
  const mbps = (m) => bytes / 1e6 / (m / 1000);
  sizes.push({
    factor,
    bytes,
    lines,
    runs,
    ms,
    mbPerS: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, mbps(Math.max(v, 0.001))])),
  });
}
process.stdout.write(`${JSON.stringify({ sizes })}\n`);
