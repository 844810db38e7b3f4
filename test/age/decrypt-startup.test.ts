// The commands that only decrypt (run/get/check --env, decrypt, diff) never load dist/age.cjs, Node's web
// streams or WebCrypto: the library decrypts with node:crypto (packages/envkit/src/age/native/), which is
// what makes `envkit run --env` start about as fast as `envkit run` (docs/startup.md). bin.ts writes
// age.cjs's code cache to ENVKIT_BUILD_AGE_CACHE when it loaded age.cjs: the test's witness.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '../helpers/testdir.js';
import { ageProject } from './support.js';

// Preloaded with --require: the modules this process loaded, written at exit (the command envkit runs is
// `true`, not node, so it does not overwrite them).
const PROBE = `process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(process.moduleLoadList)));\n`;

describe('decrypting commands (built CLI)', () => {
  it('never load age-encryption, web streams or WebCrypto; encrypting ones do load age-encryption', async () => {
    const p = await ageProject();
    const dir = testdir();
    writeFileSync(join(dir, 'probe.cjs'), PROBE);
    const witness = join(dir, 'age.bin');
    const out = join(dir, 'modules.json');
    const env = { NODE_OPTIONS: `--require ${join(dir, 'probe.cjs')}`, PROBE_OUT: out, ENVKIT_BUILD_AGE_CACHE: witness };
    const runs = [
      ['run', '--env', 'production', '--', 'true'],
      ['get', '--env', 'production', 'POSTGRES_USER'],
      ['check', '--env', 'production', '--no-git', '--no-compose'],
      ['diff', 'production', 'production'],
      ['decrypt', '--env', 'production'],
    ];
    for (const args of runs) {
      rmSync(witness, { force: true });
      const result = await p.run(args, { env });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(existsSync(witness), `envkit ${args.join(' ')} loaded dist/age.cjs`).toBe(false);
      const modules = JSON.parse(readFileSync(out, 'utf8')) as string[];
      expect(modules.filter((m) => /webstreams\/(readable|transform)stream|crypto\/webcrypto/.test(m)), args.join(' ')).toEqual([]);
      // It did decrypt, with node:crypto.
      expect(modules, args.join(' ')).toContain('NativeModule crypto');
    }
    // The witness works: encrypting still loads age-encryption.
    const set = await p.run(['set', '--env', 'production', '--force', 'POSTGRES_DB=other'], { env });
    expect(set.code, set.stderr).toBe(0);
    expect(existsSync(witness)).toBe(true);
  });
});
