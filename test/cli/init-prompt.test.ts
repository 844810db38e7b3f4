import { describe, it, expect, afterEach } from 'vitest';
import { testdir } from '../helpers/testdir.js';
import { spawnPty, ptyAvailable, type PtySession } from '../helpers/pty.js';
import { requireTool } from '../helpers/require.js';
import { ENVKIT_BIN, readEnv, read, ls, summary, OPENAI_KEY, OPENROUTER_KEY, initProject } from './support.js';

const hasPty = requireTool('a pseudo-terminal (/usr/bin/python3 and its pty module)', ptyAvailable(), 'apt-get install -y python3');

const sessions: PtySession[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) if (!s.done) s.kill();
});

/** `envkit args` on a new terminal in `dir`. */
function terminal(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): PtySession {
  const session = spawnPty(dir, process.execPath, [ENVKIT_BIN, ...args], { HOME: dir, LANG: 'C.UTF-8', TERM: 'xterm', ...env });
  sessions.push(session);
  return session;
}

const PROMPT = 'hidden: ';
/** The question for OLLAMA_API_BASE_URL: shown input, the default offered. */
const OLLAMA_PROMPT = /OLLAMA_API_BASE_URL[^\n]*\n[^\n]*value \(Enter for http:\/\/192\.168\.25\.165:11434\/api\): /;

/** Answer the Ollama question with Enter (the default), then wait for the end. */
async function takeOllamaDefault(t: PtySession): Promise<{ code: number | null; output: string }> {
  await t.waitFor(OLLAMA_PROMPT);
  t.write('\r');
  return t.exited;
}

describe.runIf(hasPty)('envkit init on a terminal', () => {
  it('asks for the API keys with hidden input, says what each is for, and writes the answers', async () => {
    const dir = testdir();
    const t = terminal(dir, ['init']);
    const first = await t.waitFor(PROMPT);
    expect(first).toMatch(/OPENAI_API_KEY.*OpenAI API key/);
    expect(first).toMatch(/Enter to leave it empty/);
    t.write(`${OPENAI_KEY}\r`);
    const second = await t.waitFor(PROMPT);
    expect(second).toMatch(/OPENROUTER_API_KEY.*OpenRouter API key/);
    t.write(`${OPENROUTER_KEY}\r`);
    const { code, output } = await takeOllamaDefault(t);
    expect(code, output).toBe(0);
    // The terminal showed neither key: no echo while typing, no value in the summary.
    expect(output).not.toContain(OPENAI_KEY);
    expect(output).not.toContain(OPENROUTER_KEY);
    expect(output).not.toContain('sk-e2e');
    const env = readEnv(dir);
    expect(env.OPENAI_API_KEY).toBe(OPENAI_KEY);
    expect(env.OPENROUTER_API_KEY).toBe(OPENROUTER_KEY);
    const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
    expect(summary(plain)).toMatchObject({ OPENAI_API_KEY: 'given', OPENROUTER_API_KEY: 'given', POSTGRES_PASSWORD: 'generated' });
    expect(output).not.toContain(env.POSTGRES_PASSWORD!);
  });

  it('Enter leaves an optional key empty', async () => {
    const dir = testdir();
    const t = terminal(dir, ['init']);
    await t.waitFor(PROMPT);
    t.write('\r');
    await t.waitFor(PROMPT);
    t.write(`${OPENROUTER_KEY}\r`);
    const { code, output } = await takeOllamaDefault(t);
    expect(code, output).toBe(0);
    const env = readEnv(dir);
    expect(env.OPENAI_API_KEY).toBe('');
    expect(env.OPENROUTER_API_KEY).toBe(OPENROUTER_KEY);
    expect(output).toMatch(/Still empty: OPENAI_API_KEY\b/);
  });

  it('refuses an invalid value with the reason, never showing it, and asks again', async () => {
    const dir = testdir();
    const t = terminal(dir, ['init']);
    await t.waitFor(PROMPT);
    // An OpenRouter key pasted into the OpenAI prompt.
    t.write(`${OPENROUTER_KEY}\r`);
    const refusal = await t.waitFor(PROMPT);
    expect(refusal).toMatch(/not accepted.*is an OpenRouter key/);
    // The reason reads as an answer to the prompt, not as a command to run.
    expect(refusal).not.toMatch(/envkit rotate/);
    expect(refusal).not.toMatch(/OPENROUTER_API_KEY:/);
    t.write(`${OPENAI_KEY}\r`);
    await t.waitFor(/OPENROUTER_API_KEY[^\n]*\n[^\n]*hidden: /);
    t.write('\r');
    const { code, output } = await takeOllamaDefault(t);
    expect(code, output).toBe(0);
    expect(output).not.toContain(OPENROUTER_KEY);
    expect(output).not.toContain(OPENAI_KEY);
    expect(readEnv(dir).OPENAI_API_KEY).toBe(OPENAI_KEY);
    expect(readEnv(dir).OPENROUTER_API_KEY).toBe('');
  });

  it('gives up on a key after three refused answers, says so, and goes on', async () => {
    const dir = testdir();
    const t = terminal(dir, ['init']);
    for (let i = 0; i < 3; i++) {
      await t.waitFor(PROMPT);
      t.write('not-a-key\r');
    }
    await t.waitFor(/OPENAI_API_KEY left empty after 3 attempts/);
    await t.waitFor(PROMPT);
    t.write('\r');
    const { code, output } = await takeOllamaDefault(t);
    expect(code, output).toBe(0);
    expect(output).not.toContain('not-a-key');
    expect(readEnv(dir).OPENAI_API_KEY).toBe('');
  });

  it('handles backspace while typing', async () => {
    const dir = testdir();
    const t = terminal(dir, ['init']);
    await t.waitFor(PROMPT);
    t.write(`${OPENAI_KEY}XY\u007f\u007f\r`);
    await t.waitFor(PROMPT);
    t.write('\r');
    const { code } = await takeOllamaDefault(t);
    expect(code).toBe(0);
    expect(readEnv(dir).OPENAI_API_KEY).toBe(OPENAI_KEY);
  });

  it('Ctrl-C at the prompt cancels with exit 130 (128 + SIGINT, as for any interrupted program) and writes nothing', async () => {
    const dir = testdir();
    const t = terminal(dir, ['init']);
    await t.waitFor(PROMPT);
    t.write('sk-partial\u0003');
    const { code, output } = await t.exited;
    expect(code).toBe(130);
    expect(output).toMatch(/cancelled at the prompt \(Ctrl-C\); nothing was written/);
    expect(output).not.toContain('sk-partial');
    expect(ls(dir)).toEqual([]);
  });

  it('Ctrl-D at the prompt (input ended, no answer) exits 1 and writes nothing', async () => {
    const dir = testdir();
    const t = terminal(dir, ['init']);
    await t.waitFor(PROMPT);
    t.write('\u0004');
    const { code, output } = await t.exited;
    expect(code).toBe(1);
    expect(output).toMatch(/cancelled at the prompt \(Ctrl-D\); nothing was written/);
    expect(ls(dir)).toEqual([]);
  });

  it('asks only for what is still empty, and not at all once both keys are set', async () => {
    const dir = testdir();
    await initProject(dir, ['--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    const t = terminal(dir, ['init']);
    const seen = await t.waitFor(PROMPT);
    expect(seen).toMatch(/OPENROUTER_API_KEY/);
    expect(seen).not.toMatch(/OPENAI_API_KEY/);
    t.write(`${OPENROUTER_KEY}\r`);
    // The Ollama URL is in the file already (init --no-input wrote its default): not asked again.
    expect((await t.exited).code).toBe(0);

    const before = read(dir);
    const again = terminal(dir, ['init']);
    const { code, output } = await again.exited;
    expect(code).toBe(0);
    expect(output).not.toContain(PROMPT);
    expect(read(dir)).toBe(before);
  });

  it('--no-input on a terminal never asks and never waits', async () => {
    const dir = testdir();
    const t = terminal(dir, ['init', '--no-input']);
    const { code, output } = await t.exited;
    expect(code).toBe(0);
    expect(output).not.toContain(PROMPT);
    expect(output).toMatch(/Still empty: OPENAI_API_KEY, OPENROUTER_API_KEY/);
    expect(readEnv(dir).OPENAI_API_KEY).toBe('');
  });

  it('--set and --from-env values are not asked for again', async () => {
    const dir = testdir();
    const t = terminal(dir, ['init', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`, '--from-env'], {
      OPENROUTER_API_KEY: OPENROUTER_KEY,
      OLLAMA_API_BASE_URL: 'http://127.0.0.1:11434/api',
    });
    const { code, output } = await t.exited;
    expect(code, output).toBe(0);
    expect(output).not.toContain(PROMPT);
    expect(readEnv(dir).OPENROUTER_API_KEY).toBe(OPENROUTER_KEY);
    expect(readEnv(dir).OLLAMA_API_BASE_URL).toBe('http://127.0.0.1:11434/api');
  });

  it("asks for OLLAMA_API_BASE_URL with the default offered: typed input is shown and taken, and nothing is marked unconfirmed", async () => {
    const dir = testdir();
    const t = terminal(dir, ['init', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`, '--set', `OPENROUTER_API_KEY=${OPENROUTER_KEY}`]);
    const question = await t.waitFor(OLLAMA_PROMPT);
    expect(question).toMatch(/Ollama API of this deployment/);
    expect(question).not.toContain(PROMPT);
    // Not a secret: what is typed is echoed, so a typo can be seen.
    t.write('http://10.0.0.7:11434/apx\u007fi\r');
    const { code, output } = await t.exited;
    expect(code, output).toBe(0);
    expect(output).toContain('http://10.0.0.7:11434/apx\b \bi');
    expect(readEnv(dir).OLLAMA_API_BASE_URL).toBe('http://10.0.0.7:11434/api');
    expect(read(dir)).not.toContain('unconfirmed');
  });

  it('Enter takes the offered default as confirmed: check has no note about it', async () => {
    const dir = testdir();
    const t = terminal(dir, ['init', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`, '--set', `OPENROUTER_API_KEY=${OPENROUTER_KEY}`]);
    const { code, output } = await takeOllamaDefault(t);
    expect(code, output).toBe(0);
    expect(readEnv(dir).OLLAMA_API_BASE_URL).toBe('http://192.168.25.165:11434/api');
    expect(read(dir)).not.toContain('unconfirmed');
  });

  it('colors on a terminal, none with NO_COLOR', async () => {
    const colored = await terminal(testdir(), ['init', '--no-input']).exited;
    expect(colored.output).toMatch(/\u001b\[/);
    const plain = await terminal(testdir(), ['init', '--no-input'], { NO_COLOR: '1' }).exited;
    expect(plain.code).toBe(0);
    expect(plain.output).not.toMatch(/\u001b\[/);
  });
});

describe.runIf(hasPty)('--stdin on a terminal', () => {
  it('asks for the value with the input hidden: set writes it, nothing echoes it, Ctrl-C writes nothing', async () => {
    const dir = testdir();
    await initProject(dir, ['--no-keyring']);
    const t = terminal(dir, ['set', 'OPENAI_API_KEY', '--stdin', '--no-keyring']);
    await t.waitFor('OPENAI_API_KEY (input hidden, Enter to end): ');
    t.write(`${OPENAI_KEY}\r`);
    const { code, output } = await t.exited;
    expect(code, output).toBe(0);
    expect(output).not.toContain(OPENAI_KEY);
    expect(readEnv(dir).OPENAI_API_KEY).toBe(OPENAI_KEY);
    const before = read(dir, '.env');
    const cancelled = terminal(dir, ['rotate', 'OPENROUTER_API_KEY', '--stdin', '--no-keyring']);
    await cancelled.waitFor('OPENROUTER_API_KEY (input hidden, Enter to end): ');
    cancelled.write('sk-or-v1-half-typed\u0003');
    const end = await cancelled.exited;
    expect(end.code).toBe(130);
    expect(end.output).toContain('nothing was written');
    expect(end.output).not.toContain('half-typed');
    expect(read(dir, '.env')).toBe(before);
  });
});

describe.runIf(hasPty)('a secret without a generator', () => {
  it('rotate without --stdin says how to give the new value, and that command, typed on a terminal, works', async () => {
    const dir = testdir();
    await initProject(dir, ['--no-keyring', '--set', `OPENAI_API_KEY=${OPENAI_KEY}`]);
    const refused = terminal(dir, ['rotate', 'OPENAI_API_KEY', '--no-keyring']);
    const { code, output } = await refused.exited;
    expect(code).toBe(2);
    const fix = /fix: `(envkit rotate OPENAI_API_KEY --stdin)` asks for it \(the input hidden\), or reads it from a pipe/.exec(output);
    expect(fix, output).not.toBeNull();
    const t = terminal(dir, [...fix![1]!.split(' ').slice(1), '--no-keyring']);
    await t.waitFor('OPENAI_API_KEY (input hidden, Enter to end): ');
    t.write(`${OPENROUTER_KEY.replace('sk-or-', 'sk-proj-')}\r`);
    const done = await t.exited;
    expect(done.code, done.output).toBe(0);
    expect(readEnv(dir).OPENAI_API_KEY).toBe(OPENROUTER_KEY.replace('sk-or-', 'sk-proj-'));
  });
});
