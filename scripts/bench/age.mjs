// Decrypt + parse of an encrypted environment (envkit/age): a 1 MB environment and memu's own (about 1 kB),
// encrypted to one X25519 recipient and ASCII-armored as envkit writes them. Run by scripts/bench.mjs in its
// own process; prints one JSON object on stdout.
//
//   node scripts/bench/age.mjs <envkit dist/index.js> <envkit dist/age/index.js>
import { pathToFileURL } from 'node:url';

const [indexFile, ageFile] = process.argv.slice(2);
const { parseDocument } = await import(pathToFileURL(indexFile).href);
const { encryptText, decryptText } = await import(pathToFileURL(ageFile).href);
// age-encryption itself, as the library loads it (it is the library's dependency, not the workspace's).
const age = await import(pathToFileURL(ageFile.replace(/index\.js$/, 'load.js')).href).then((m) => m.loadAge());

/** A `.env` of about `bytes` bytes: plain, quoted and commented lines. */
function generate(bytes) {
  const parts = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = i % 5 === 0 ? `# section ${i}` : i % 5 === 1 ? `KEY_${i}="value with spaces ${i} \\n escaped"` : `KEY_${i}=plainValue${i}abcdefghijklmnopqrstuvwxyz`;
    parts.push(line);
    size += line.length + 1;
  }
  return `${parts.join('\n')}\n`;
}

const identity = await age.generateX25519Identity();
const recipient = await age.identityToRecipient(identity);

async function measure(text, rounds) {
  const sealed = await encryptText(text, [recipient]);
  const times = [];
  for (let i = 0; i < rounds + 2; i++) {
    const t = process.hrtime.bigint();
    const plain = await decryptText(sealed, [identity], 'bench.age');
    const doc = parseDocument(plain);
    doc.keys();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (plain !== text) throw new Error('round trip failed');
    if (i >= 2) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { bytes: Buffer.byteLength(text), encryptedBytes: sealed.length, ms: times[times.length >> 1] };
}

const oneMb = await measure(generate(1_000_000), 15);
const small = await measure(generate(1_000), 50);
process.stdout.write(`${JSON.stringify({ oneMb, small })}\n`);
