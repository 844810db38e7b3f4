import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testdir } from '../helpers/testdir.js';
import { envkit, readEnv, type CliResult } from './support.js';

// Canary secrets: distinctive enough that finding any 12-character piece of one in output is a leak.
const CANARY = {
  OPENAI_API_KEY: 'sk-CanaryOpenAi7Qw3Er5Ty8Ui0Op',
  OPENROUTER_API_KEY: 'sk-or-v1-CanaryRouter4As6Df8Gh1Jk',
  POSTGRES_PASSWORD: 'CanaryPgPass9Zx7Cv5Bn3Mm1Lk2Jh4Gf',
  EXTRA_SECRET: 'CanaryExtra6Pl4Ok2Ij9Uh7Yg5Tf',
  STDIN_PASSWORD: 'CanaryStdin3Rd5Es7Wa9Qz1Xs2Dc4Vf',
  BAD_KEY: 'CanaryInvalidKey8Mn6Bv4Cx',
  BAD_PASSWORD: 'CanaryShort1',
  UNPORTABLE: 'https://canary-host.example/${HOME}/CanaryPath5Tg',
  ENV_ONLY: 'sk-CanaryFromEnv2Wq4Er6Ty8Ui',
  URL_PASSWORD: 'CanaryUrlPass7Hy5Gt3Fr1De',
} as const;

const SECRET_KEYS = ['OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'POSTGRES_PASSWORD', 'MEMU_DB_URL', 'EXTRA_SECRET'];

function envText(password: string): string {
  return [
    '# deployment with canary secrets',
    `OPENAI_API_KEY=${CANARY.OPENAI_API_KEY}`,
    `OPENROUTER_API_KEY=${CANARY.OPENROUTER_API_KEY}`,
    'OPENROUTER_BASE_URL=https://openrouter.ai/api/v1',
    'OLLAMA_API_BASE_URL=http://192.168.25.165:11434/api',
    'POSTGRES_DB=memu_db',
    'POSTGRES_USER=memu_production_user',
    `POSTGRES_PASSWORD=${password}`,
    `MEMU_DB_URL=postgresql+psycopg://memu_production_user:${password}@db:5432/memu_db`,
    'MEMU_MEMORY_LIMIT=2g',
    'DB_MEMORY_LIMIT=1g',
    `EXTRA_SECRET=${CANARY.EXTRA_SECRET}`,
    '',
  ].join('\n');
}

/** Every piece of `secret` that is 12 characters long: a leak of a fragment counts too. */
function fragments(secret: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i + 12 <= secret.length; i += 4) pieces.push(secret.slice(i, i + 12));
  return pieces;
}

interface Run {
  args: string[];
  input?: string;
  env?: NodeJS.ProcessEnv;
  result: CliResult;
}

describe('no secret value in any output', () => {
  it('every command, on success and on error paths, prints no secret (but get --reveal does)', async () => {
    const dir = testdir({ '.env': [envText(CANARY.POSTGRES_PASSWORD), 0o600] });
    const runs: Run[] = [];
    // Secret values as they come and go in the file (rotate and set create new ones).
    const secrets = new Set<string>(Object.values(CANARY));
    const run = async (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) => {
      const result = await envkit(dir, args, { ...options, env: { ...options.env } });
      runs.push({ args, ...options, result });
      try {
        const env = readEnv(dir);
        for (const key of SECRET_KEYS) {
          const value = env[key];
          if (!value) continue;
          // The URL's user, host and database are public; its secret is the password in it.
          secrets.add(key === 'MEMU_DB_URL' ? (/:\/\/[^:]*:([^@]*)@/.exec(value)?.[1] ?? value) : value);
        }
      } catch {
        // a fixture without a readable .env
      }
      return result;
    };

    const commands: string[][] = [
      ['init', '--no-input'],
      ['init', '--no-input', '--dry-run'],
      ['--json', 'init', '--no-input'],
      ['init', '--no-input', '--set', `OPENAI_API_KEY=${CANARY.BAD_KEY}`],
      ['init', '--no-input', '--set', `OPENROUTER_API_KEY=${CANARY.ENV_ONLY}`],
      ['check'],
      ['check', '--no-git'],
      ['--json', 'check'],
      ['-q', 'check'],
      ...SECRET_KEYS.map((key) => ['get', key]),
      ...SECRET_KEYS.map((key) => ['--json', 'get', key]),
      ['get', 'NOT_A_KEY'],
      ['set', `POSTGRES_PASSWORD=${CANARY.BAD_PASSWORD}`],
      ['--json', 'set', `POSTGRES_PASSWORD=${CANARY.BAD_PASSWORD}`],
      ['set', `OPENAI_API_KEY=${CANARY.BAD_KEY}`],
      ['set', `OPENROUTER_BASE_URL=${CANARY.UNPORTABLE}`],
      ['set', '--allow-unknown', `EXTRA_SECRET=${CANARY.UNPORTABLE}`],
      ['set', `MEMU_DB_URL=postgresql+psycopg://x:${CANARY.URL_PASSWORD}@db:5432/memu_db`],
      ['set', '--dry-run', 'POSTGRES_USER=dry_user'],
      ['set', '--force', 'POSTGRES_USER=leak_test_user'],
      ['--json', 'set', '--force', 'POSTGRES_DB=leak_test_db'],
      ['unset', 'NOT_THERE'],
      ['example'],
      ['example', '--check'],
      ['gitignore'],
      ['gitignore', '--check'],
      ['schema'],
      ['schema', '--format', 'json'],
      ['schema', '--format', 'json-schema'],
      ['schema', '--format', 'markdown'],
      ['rotate', 'POSTGRES_PASSWORD', '--dry-run'],
      ['rotate', 'POSTGRES_PASSWORD'],
      ['--json', 'rotate', 'POSTGRES_PASSWORD'],
      // The file-only rotation (the database side is asked for explicitly).
      ['rotate', 'POSTGRES_PASSWORD', '--apply', 'none'],
      ['--json', 'rotate', 'POSTGRES_PASSWORD', '--apply', 'none'],
      ['rotate', 'OPENAI_API_KEY'],
      ['rotate', 'MEMU_DB_URL'],
      ['check'],
      ['unset', 'EXTRA_SECRET'],
      ['frobnicate', CANARY.EXTRA_SECRET],
      ['set', `${CANARY.EXTRA_SECRET}`],
    ];
    for (const args of commands) await run(args);
    await run(['rotate', 'POSTGRES_PASSWORD', '--stdin'], { input: `${CANARY.STDIN_PASSWORD}\n` });
    await run(['rotate', 'POSTGRES_PASSWORD', '--stdin', '--apply', 'none'], { input: `${CANARY.STDIN_PASSWORD}\n` });
    await run(['rotate', 'OPENAI_API_KEY', '--stdin'], { input: `${CANARY.BAD_KEY}\n` });
    await run(['init', '--no-input', '--from-env'], { env: { OPENAI_API_KEY: CANARY.BAD_KEY, POSTGRES_PASSWORD: CANARY.BAD_PASSWORD } });
    await run(['check']);

    // A file that cannot be parsed, with secrets on and around the broken line.
    writeFileSync(join(dir, '.env'), `${envText(CANARY.POSTGRES_PASSWORD)}BROKEN="${CANARY.EXTRA_SECRET}\nPOSTGRES_DB=after_break\n`);
    for (const args of [['init', '--no-input'], ['check'], ['--json', 'check'], ['get', 'POSTGRES_PASSWORD'], ['set', '--force', 'POSTGRES_DB=x'], ['unset', '--force', 'POSTGRES_DB'], ['rotate', 'POSTGRES_PASSWORD']]) {
      await run(args);
    }
    // Values that are invalid in the file itself.
    writeFileSync(join(dir, '.env'), envText(CANARY.BAD_PASSWORD).replace(CANARY.OPENAI_API_KEY, CANARY.BAD_KEY), { mode: 0o644 });
    for (const args of [['check'], ['--json', 'check'], ['init', '--no-input'], ['set', '--force', 'POSTGRES_DB=x'], ['get', 'POSTGRES_PASSWORD']]) await run(args);

    // When a rotation succeeded, its new password was in the file and is part of the scan.
    if (runs.some((r) => r.args.includes('rotate') && r.result.code === 0 && !r.args.includes('--dry-run'))) {
      expect(secrets.size).toBeGreaterThan(Object.keys(CANARY).length);
    }
    const leaks: string[] = [];
    for (const r of runs) {
      for (const secret of secrets) {
        const piece = fragments(secret).find((f) => r.result.all.includes(f));
        if (piece) leaks.push(`envkit ${r.args.join(' ')} (exit ${r.result.code}) printed a piece of a secret: ${piece}`);
      }
    }
    expect(leaks).toEqual([]);
    // Sanity: commands ran and failed where they should (the scan covered error paths).
    const codes = new Set(runs.map((r) => r.result.code));
    expect(codes).toContain(0);
    expect(codes).toContain(1);
    expect(codes).toContain(2);
  }, 120_000);

  it('the scan would see a leak: get --reveal prints the canary', async () => {
    const dir = testdir({ '.env': [envText(CANARY.POSTGRES_PASSWORD), 0o600] });
    const result = await envkit(dir, ['get', 'POSTGRES_PASSWORD', '--reveal']);
    expect(result.code).toBe(0);
    expect(fragments(CANARY.POSTGRES_PASSWORD).some((f) => result.all.includes(f))).toBe(true);
    const extra = await envkit(dir, ['get', 'EXTRA_SECRET', '--reveal']);
    expect(extra.code, extra.all).toBe(1);
    // Unknown keys are not read without the schema knowing them: nothing printed either way.
    expect(extra.all).not.toContain(CANARY.EXTRA_SECRET);
  });
});
