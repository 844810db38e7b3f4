// Crash consistency: real `envkit init`, `set` and `rotate` processes are SIGKILLed at random moments —
// many of them while they write — and after every kill `.env` must be the complete old file or a complete
// new one (mode 0600), never a mix, a truncation or an empty file. The next run must take over the stale
// lock, finish or discard what the killed one left, and leave no `*.envkit-tmp-*` file behind.
//
// Kills are aimed three ways so they land where it matters: at a uniformly random moment of the run, in a
// window around the moment earlier runs started writing (learned as the suite goes, so it holds on a slow
// or a loaded machine), and the instant a watcher sees a temp file appear (the write in progress).
//
// Budget: ENVKIT_CRASH_RUNS kills (default 1,000 with CI=true, 200 otherwise), spread over parallel projects.
import { mkdtempSync, readFileSync, readdirSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'envkit';
import { renderExample, rotateSecret, setValues } from 'envkit/project';
import { readPending } from 'envkit/rotate';
import { memuSchema } from 'envkit/memu';
import { gitignoreRules, syncGitignoreText } from '../../packages/envkit/src/files/gitignore.js';
import { testdir } from '../helpers/testdir.js';
import {
  budget,
  differsOnlyIn,
  envProblems,
  exists,
  leftovers,
  memuEnvText,
  modeOf,
  runCli,
  startCli,
  tempsIn,
} from './support.js';

const KILLS = budget('CRASH_RUNS', 1000, 200);
/** Parallel projects: enough to keep two cores busy while some processes sleep in fsync. */
const WORKERS = 4;

type OpName = 'init-fresh' | 'init-partial' | 'set' | 'rotate-password' | 'rotate-key';
type KillMode = 'uniform' | 'focused' | 'on-temp';

interface Op {
  name: OpName;
  args: string[];
  input?: string;
  /** Keys this op may change; `undefined`: the new file is known exactly. */
  changes: readonly string[];
  /** The exact new `.env`, when it can be known in advance. */
  expected?: string;
}

/** Counts that the final assertions and the report use. */
interface Tally {
  kills: number;
  finishedBeforeKill: number;
  finishedByMode: Record<KillMode, number>;
  old: number;
  new: number;
  tempLeft: number;
  lockLeft: number;
  pendingLeft: number;
  recoveries: number;
  byMode: Record<KillMode, number>;
  byOp: Record<OpName, number>;
  tempLeftByOp: Record<OpName, number>;
  failures: string[];
}

/** The temp files each op writes, in order. */
const TEMP_TARGETS: Record<OpName, readonly string[]> = {
  'init-fresh': ['.env.envkit-tmp-', '.env.example.envkit-tmp-', '.gitignore.envkit-tmp-'],
  'init-partial': ['.env.envkit-tmp-'],
  set: ['.env.envkit-tmp-'],
  'rotate-key': ['.env.envkit-tmp-'],
  'rotate-password': ['.env.envkit-pending.envkit-tmp-', '.env.envkit-tmp-'],
};

const EXAMPLE = renderExample(memuSchema);
const GITIGNORE = syncGitignoreText(undefined, gitignoreRules('.env')).text;
/** A partial .env (as a user might start from the example): no password, no URL, no Ollama URL. */
const PARTIAL = memuEnvText()
  .split('\n')
  .filter((line) => !/^(POSTGRES_PASSWORD|MEMU_DB_URL|OLLAMA_API_BASE_URL)=/.test(line))
  .join('\n');

const rand = (n: number) => Math.floor(Math.random() * n);
const pick = <T,>(items: readonly T[]): T => items[rand(items.length)]!;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** What the library makes of `text` after `edit`, computed in a scratch directory: the exact expected bytes. */
function expectedAfter(text: string, edit: (cwd: string) => void): string {
  const scratch = mkdtempSync(join(tmpdir(), 'envkit-expect-'));
  try {
    writeFileSync(join(scratch, '.env'), text, { mode: 0o600 });
    edit(scratch);
    return readFileSync(join(scratch, '.env'), 'utf8');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

let counter = 0;
const dbName = () => `db_${(counter++).toString(36)}_${rand(1e6).toString(36)}`;
const apiKey = () => `sk-crash${Date.now().toString(36)}${rand(1e9).toString(36)}Xy`;

/** Choose the next operation for a project in its current state, and what it may produce. */
function planOp(dir: string): Op {
  const envPath = join(dir, '.env');
  const text = exists(envPath) ? readFileSync(envPath, 'utf8') : undefined;
  const pending = exists(join(dir, '.env.envkit-pending')) ? readPending(join(dir, '.env.envkit-pending')) : undefined;
  const roll = rand(100);
  // An init killed before its write leaves the partial file it started from: only init completes that.
  if (text !== undefined && envProblems(text).length > 0) {
    return { name: 'init-partial', args: ['init', '--no-input', '--no-keyring'], changes: ['POSTGRES_PASSWORD', 'MEMU_DB_URL', 'OLLAMA_API_BASE_URL'] };
  }
  if (text === undefined || roll < 15) return { name: 'init-fresh', args: ['init', '--no-input', '--no-keyring'], changes: MEMU_ALL };
  if (roll < 25) return { name: 'init-partial', args: ['init', '--no-input', '--no-keyring'], changes: ['POSTGRES_PASSWORD', 'MEMU_DB_URL', 'OLLAMA_API_BASE_URL'] };
  if (roll < 55 && !pending) {
    const value = dbName();
    return {
      name: 'set',
      args: ['set', '--force', `POSTGRES_DB=${value}`, `MEMU_MEMORY_LIMIT=${1 + rand(8)}g`],
      changes: ['POSTGRES_DB', 'MEMU_DB_URL', 'MEMU_MEMORY_LIMIT'],
    };
  }
  if (roll < 70 && !pending) {
    return { name: 'rotate-key', args: ['rotate', 'OPENAI_API_KEY', '--stdin', '--no-keyring'], input: `${apiKey()}\n`, changes: ['OPENAI_API_KEY'] };
  }
  return { name: 'rotate-password', args: ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring'], changes: ['POSTGRES_PASSWORD', 'MEMU_DB_URL'] };
}
const MEMU_ALL = Object.keys(memuSchema.vars);

/** Put the project in the state the op starts from, and work out the exact result where it is knowable. */
function prepare(dir: string, op: Op): void {
  const envPath = join(dir, '.env');
  if (op.name === 'init-fresh' || op.name === 'init-partial') {
    // Leftovers of earlier kills stay: the init run must cope with them.
    for (const name of ['.env', '.env.example', '.gitignore', '.env.envkit-pending']) rmSync(join(dir, name), { force: true });
    if (op.name === 'init-partial') {
      writeFileSync(envPath, PARTIAL, { mode: 0o600 });
      writeFileSync(join(dir, '.env.example'), EXAMPLE);
      writeFileSync(join(dir, '.gitignore'), GITIGNORE);
    }
    return;
  }
  const text = readFileSync(envPath, 'utf8');
  if (op.name === 'set') {
    const values = Object.fromEntries(op.args.slice(1).filter((a) => !a.startsWith('--')).map((a) => a.split('=') as [string, string]));
    op.expected = expectedAfter(text, (cwd) => setValues({ cwd, schema: memuSchema, values, force: op.args.includes('--force') }));
  } else if (op.name === 'rotate-key') {
    const value = op.input!.trim();
    op.expected = expectedAfter(text, (cwd) => rotateSecret({ cwd, schema: memuSchema, key: 'OPENAI_API_KEY', value }));
  } else {
    // A pending rotation is resumed with its own value: then the result is known exactly too.
    const pending = exists(join(dir, '.env.envkit-pending')) ? readPending(join(dir, '.env.envkit-pending')) : undefined;
    if (pending) {
      op.expected = pending.value === parseDocument(text).get('POSTGRES_PASSWORD')
        ? text
        : expectedAfter(text, (cwd) => rotateSecret({ cwd, schema: memuSchema, force: true, key: 'POSTGRES_PASSWORD', value: pending.value }));
    }
  }
}

/** The invariants after a kill (or any run): returns what is violated. */
function checkState(dir: string, before: { env?: string; example?: string; gitignore?: string }, op: Op): string[] {
  const bad: string[] = [];
  const envPath = join(dir, '.env');
  const now = exists(envPath) ? readFileSync(envPath, 'utf8') : undefined;
  if (now === undefined) {
    if (before.env !== undefined) bad.push('.env disappeared');
  } else {
    if (modeOf(envPath) !== 0o600) bad.push(`.env has mode ${modeOf(envPath).toString(8)}`);
    if (now !== before.env) {
      if (op.expected !== undefined) {
        if (now !== op.expected) bad.push('.env is neither the old nor the expected new file');
      } else {
        const problems = envProblems(now);
        if (problems.length > 0) bad.push(`.env is not a complete valid file: ${problems.join('; ')}`);
        if (before.env !== undefined && !differsOnlyIn(before.env, now, op.changes)) bad.push(`.env changed outside ${op.changes.join(', ')}`);
      }
    }
  }
  // The other files init writes: absent/old, or exactly what the schema renders.
  for (const [name, want, old] of [['.env.example', EXAMPLE, before.example], ['.gitignore', GITIGNORE, before.gitignore]] as const) {
    const path = join(dir, name);
    if (!exists(path)) continue;
    const text = readFileSync(path, 'utf8');
    if (text !== want && text !== old) bad.push(`${name} is neither the old nor the new file`);
  }
  // A pending file is whole (it parses) and private; secret temps are private too.
  const pendingPath = join(dir, '.env.envkit-pending');
  if (exists(pendingPath)) {
    try {
      const pending = readPending(pendingPath)!;
      if (pending.key !== 'POSTGRES_PASSWORD') bad.push(`pending file for ${pending.key}`);
      // Write-ahead: once .env has a password the pending file does not, the pending file must be gone
      // (finish) — or .env has the old one still. Never a third value.
      const inEnv = now === undefined ? undefined : parseDocument(now).get('POSTGRES_PASSWORD');
      const old = before.env === undefined ? undefined : parseDocument(before.env).get('POSTGRES_PASSWORD');
      if (inEnv !== pending.value && inEnv !== old) bad.push('.env has a password that is neither the old one nor the pending one');
    } catch (error) {
      bad.push(`pending file unreadable: ${(error as Error).message}`);
    }
    if (modeOf(pendingPath) !== 0o600) bad.push(`pending file mode ${modeOf(pendingPath).toString(8)}`);
  }
  for (const temp of tempsIn(dir)) {
    if ((temp.startsWith('.env.envkit-tmp-') || temp.startsWith('.env.envkit-pending.envkit-tmp-')) && modeOf(join(dir, temp)) !== 0o600) {
      bad.push(`${temp} has mode ${modeOf(join(dir, temp)).toString(8)}`);
    }
  }
  return bad;
}

/** Timings learned per op: how long a full run takes, and when writing started in earlier runs. */
class Calibration {
  private exits = new Map<OpName, number[]>();
  private writes = new Map<OpName, number[]>();

  recordExit(op: OpName, ms: number): void {
    push(this.exits, op, ms);
  }

  recordWrite(op: OpName, ms: number): void {
    push(this.writes, op, ms);
  }

  known(op: OpName): boolean {
    return (this.exits.get(op)?.length ?? 0) > 0;
  }

  delay(op: OpName, mode: 'uniform' | 'focused'): number {
    const exit = median(this.exits.get(op) ?? [300]);
    const writes = this.writes.get(op) ?? [];
    if (mode === 'focused' && writes.length > 0) {
      // A recent write moment, shifted a little either way: the process start time jitters by a few ms.
      return Math.max(0, pick(writes.slice(-40)) - 10 + Math.random() * 15);
    }
    return Math.random() * exit * 1.05;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key) ?? [];
  list.push(value);
  if (list.length > 200) list.shift();
  map.set(key, list);
}

/** One project directory, killed over and over. */
async function worker(dir: string, kills: number, calibration: Calibration, tally: Tally, deadline: number): Promise<void> {
  const events: { name: string; at: number }[] = [];
  let onEvent: ((name: string) => void) | undefined;
  const watcher: FSWatcher = watch(dir, (_event, name) => {
    if (!name) return;
    events.push({ name: name.toString(), at: performance.now() });
    onEvent?.(name.toString());
  });
  try {
    let done = 0;
    while (done < kills && Date.now() < deadline && tally.failures.length < 10) {
      const op = planOp(dir);
      prepare(dir, op);
      const before = {
        env: exists(join(dir, '.env')) ? readFileSync(join(dir, '.env'), 'utf8') : undefined,
        example: exists(join(dir, '.env.example')) ? readFileSync(join(dir, '.env.example'), 'utf8') : undefined,
        gitignore: exists(join(dir, '.gitignore')) ? readFileSync(join(dir, '.gitignore'), 'utf8') : undefined,
      };
      // The first run of each op is not killed: it calibrates (and checks the un-killed path).
      const mode: KillMode | undefined = calibration.known(op.name) ? pick(['uniform', 'focused', 'focused', 'focused', 'on-temp', 'on-temp'] as const) : undefined;
      events.length = 0;
      const started = startCli(dir, op.args, { input: op.input });
      let killTimer: NodeJS.Timeout | undefined;
      if (mode === 'on-temp') {
        // The temp file of one of the files this op writes: kill at once, or a hair later. For a rotation the
        // .env temp comes after the pending file is complete; for init the example and .gitignore after .env.
        const target = pick(TEMP_TARGETS[op.name]);
        const slack = Math.random() < 0.5 ? 0 : Math.random() * 2;
        onEvent = (name) => {
          if (!name.startsWith(target)) return;
          onEvent = undefined;
          if (slack === 0) started.child.kill('SIGKILL');
          else killTimer = setTimeout(() => started.child.kill('SIGKILL'), slack);
        };
      } else if (mode !== undefined) {
        killTimer = setTimeout(() => started.child.kill('SIGKILL'), calibration.delay(op.name, mode));
      }
      const result = await started.done;
      onEvent = undefined;
      if (killTimer) clearTimeout(killTimer);
      const firstTemp = events.find((e) => e.name.startsWith('.env.envkit-tmp-') || e.name.startsWith('.env.envkit-pending.envkit-tmp-'));
      if (firstTemp) calibration.recordWrite(op.name, firstTemp.at - started.startedAt);

      if (result.signal !== 'SIGKILL' || result.timedOut) {
        if (result.timedOut) tally.failures.push(`${op.args.join(' ')} hung (killed after 30 s)`);
        else if (result.code !== 0) tally.failures.push(`${op.args.join(' ')} exited ${result.code} un-killed: ${result.all}`);
        calibration.recordExit(op.name, result.ms);
        if (mode !== undefined) {
          tally.finishedBeforeKill += 1;
          tally.finishedByMode[mode] += 1;
        }
        const bad = checkState(dir, before, op);
        if (bad.length > 0) tally.failures.push(`after a full run of ${op.args.join(' ')}: ${bad.join('; ')}`);
        continue;
      }
      done += 1;
      tally.kills += 1;
      tally.byMode[mode!] += 1;
      tally.byOp[op.name] += 1;
      const bad = checkState(dir, before, op);
      if (bad.length > 0) tally.failures.push(`killed ${op.args.join(' ')} (${mode}, ${result.ms.toFixed(0)} ms): ${bad.join('; ')}`);
      const now = exists(join(dir, '.env')) ? readFileSync(join(dir, '.env'), 'utf8') : undefined;
      if (now === before.env) tally.old += 1;
      else tally.new += 1;
      const left = leftovers(dir);
      // A temp of .env or of the pending file: the kill landed between create and rename (mid-write).
      if (left.some((n) => n.startsWith('.env.envkit-tmp-') || n.startsWith('.env.envkit-pending.envkit-tmp-'))) {
        tally.tempLeft += 1;
        tally.tempLeftByOp[op.name] += 1;
      }
      if (left.includes('.env.envkit-lock')) tally.lockLeft += 1;
      if (left.includes('.env.envkit-pending')) tally.pendingLeft += 1;

      // Most of the time the next run is a recovery that must finish cleanly; sometimes the next op is
      // killed too, so stale leftovers meet killed runs as well.
      if (left.length > 0 && Math.random() < 0.5) await recover(dir, tally);
    }
    await recover(dir, tally);
  } finally {
    watcher.close();
  }
}

/**
 * The run after a crash: takes over the stale lock, resumes a pending rotation with its own value,
 * exits 0, and leaves nothing behind — no temp, no lock, no pending file.
 */
async function recover(dir: string, tally: Tally): Promise<void> {
  tally.recoveries += 1;
  const pendingPath = join(dir, '.env.envkit-pending');
  const pending = exists(pendingPath) ? readPending(pendingPath) : undefined;
  const envPath = join(dir, '.env');
  const complete = exists(envPath) && envProblems(readFileSync(envPath, 'utf8')).length === 0;
  const args = pending
    ? ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']
    : !complete
      ? ['init', '--no-input', '--no-keyring']
      : pick([['set', '--force', `POSTGRES_DB=${dbName()}`], ['init', '--no-input', '--no-keyring'], ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none', '--no-keyring']]);
  const before = readdirSync(dir).filter((n) => n.includes('.envkit-'));
  const result = await runCli(dir, args);
  const where = `recovery \`envkit ${args.join(' ')}\` after a kill left ${before.join(', ') || 'nothing'}`;
  if (result.code !== 0) {
    tally.failures.push(`${where} exited ${result.code}: ${result.all}`);
    return;
  }
  const left = leftovers(dir);
  if (left.length > 0) tally.failures.push(`${where} left ${left.join(', ')}`);
  const text = readFileSync(join(dir, '.env'), 'utf8');
  const problems = envProblems(text);
  if (problems.length > 0) tally.failures.push(`${where}: .env ${problems.join('; ')}`);
  if (modeOf(join(dir, '.env')) !== 0o600) tally.failures.push(`${where}: .env mode ${modeOf(join(dir, '.env')).toString(8)}`);
  if (pending && parseDocument(text).get('POSTGRES_PASSWORD') !== pending.value) {
    tally.failures.push(`${where}: the resumed rotation did not write the pending password`);
  }
}

describe('crash consistency under SIGKILL', () => {
  it(`${KILLS} kills of init/set/rotate: .env is always the whole old or the whole new file; the next run cleans up`, async () => {
    const dirs = Array.from({ length: WORKERS }, () => testdir());
    const tally: Tally = {
      kills: 0,
      finishedBeforeKill: 0,
      finishedByMode: { uniform: 0, focused: 0, 'on-temp': 0 },
      old: 0,
      new: 0,
      tempLeft: 0,
      lockLeft: 0,
      pendingLeft: 0,
      recoveries: 0,
      byMode: { uniform: 0, focused: 0, 'on-temp': 0 },
      byOp: { 'init-fresh': 0, 'init-partial': 0, set: 0, 'rotate-password': 0, 'rotate-key': 0 },
      tempLeftByOp: { 'init-fresh': 0, 'init-partial': 0, set: 0, 'rotate-password': 0, 'rotate-key': 0 },
      failures: [],
    };
    const calibration = new Calibration();
    const started = Date.now();
    // A generous wall-clock cap so a pathologically slow machine fails on the counts below, not on a timeout.
    const deadline = started + Math.max(120_000, KILLS * 600);
    const share = Math.ceil(KILLS / WORKERS);
    await Promise.all(dirs.map((dir) => worker(dir, share, calibration, tally, deadline)));
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(
      `crash: ${tally.kills} kills in ${seconds.toFixed(1)} s (${JSON.stringify(tally.byMode)}, ops ${JSON.stringify(tally.byOp)}); ` +
        `.env old ${tally.old} / new ${tally.new}; left a temp ${tally.tempLeft} (${JSON.stringify(tally.tempLeftByOp)}), ` +
        `the lock ${tally.lockLeft}, a pending file ${tally.pendingLeft}; ${tally.recoveries} recovery runs; ` +
        `${tally.finishedBeforeKill} runs finished before their kill ${JSON.stringify(tally.finishedByMode)}\n`,
    );
    expect(tally.failures).toEqual([]);
    expect(tally.kills).toBeGreaterThanOrEqual(KILLS);
    // The kills really landed in the write: before it, after it, and in the middle of it.
    expect(tally.old).toBeGreaterThan(0);
    expect(tally.new).toBeGreaterThan(0);
    expect(tally.tempLeft).toBeGreaterThanOrEqual(Math.max(3, Math.floor(KILLS / 100)));
    expect(tally.lockLeft).toBeGreaterThan(0);
    expect(tally.pendingLeft).toBeGreaterThan(0);
  }, 600_000);
});
