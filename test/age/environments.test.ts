import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/require.js';
import { testdir } from '../helpers/testdir.js';
import { envkit } from '../helpers/cli.js';
import { snapshot } from '../reliability/support.js';
import { CANARY, HAS_AGE, SECRETS, ageDecrypt, ageProject, findLeak, keygen, memuEnvText, watchPlaintext } from './support.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe.runIf(requireTool('age', HAS_AGE, 'apt-get install age'))('encrypted environments (built CLI, age 1.1.1 as oracle)', () => {
  it('identity: a new X25519 identity in a 0600 file under a 0700 directory, age-keygen -y agrees; shown again, never replaced', async () => {
    const config = testdir();
    const dir = testdir();
    const env = { XDG_CONFIG_HOME: config };
    // No D-Bus here: the keyring is unavailable and auto mode falls back to the file.
    const first = await envkit(dir, ['identity'], { env });
    expect(first.code, first.all).toBe(0);
    const file = join(config, 'envkit', 'identity.txt');
    expect(mode(file)).toBe(0o600);
    expect(mode(join(config, 'envkit'))).toBe(0o700);
    expect(first.stdout.trim()).toBe(spawnSync('age-keygen', ['-y', file], { encoding: 'utf8' }).stdout.trim());
    expect(first.stderr).toMatch(/created a new age X25519 identity, kept in .*identity\.txt \(mode 0600\)/);
    const identity = readFileSync(file, 'utf8').match(/AGE-SECRET-KEY-1\S+/)?.[0] as string;
    expect(first.all).not.toContain(identity);
    const again = await envkit(dir, ['identity'], { env });
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).toMatch(/^your age identity/);
    // --keyring requires the keyring: exit 3 and nothing created.
    const other = testdir();
    const required = await envkit(dir, ['identity', '--keyring'], { env: { XDG_CONFIG_HOME: other } });
    expect(required.code).toBe(3);
    expect(existsSync(join(other, 'envkit'))).toBe(false);
  });

  it('refuses a post-quantum, plugin or unreadable identity file and a group-readable one, naming file:line, quoting nothing', async () => {
    const dir = testdir();
    const keys = testdir({
      'pq.txt': `# post-quantum\nAGE-SECRET-KEY-PQ-1${'Q'.repeat(60)}\n`,
      'plugin.txt': 'AGE-PLUGIN-YUBIKEY-1QQQQQQ\n',
      'public.txt': `${keygen(testdir(), 'k').recipient}\n`,
    });
    for (const [name, reason] of [['pq.txt', /pq\.txt:2: a post-quantum hybrid identity/], ['plugin.txt', /plugin\.txt:1: a plugin identity/], ['public.txt', /public\.txt:1: a recipient \(public key\), not an identity/]] as const) {
      const result = await envkit(dir, ['get', 'POSTGRES_USER', '--env', 'production', '--identity', join(keys, name)]);
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(reason);
      expect(result.all).not.toContain('QQQQQQ');
    }
    const config = testdir();
    const made = await envkit(dir, ['identity', '--no-keyring'], { env: { XDG_CONFIG_HOME: config } });
    expect(made.code).toBe(0);
    spawnSync('chmod', ['640', join(config, 'envkit', 'identity.txt')]);
    const loose = await envkit(dir, ['identity'], { env: { XDG_CONFIG_HOME: config } });
    expect(loose.code).toBe(3);
    expect(loose.stderr).toMatch(/can be read by other users \(mode 640\).*\n {2}fix: chmod 600/);
  });

  it('an unusable personal identity file (damaged, post-quantum): the fix moves it away first, and run as printed `envkit identity` makes a new one', async () => {
    const dir = testdir();
    for (const text of ['garbage\n', `# post-quantum\nAGE-SECRET-KEY-PQ-1${'Q'.repeat(60)}\n`]) {
      const config = testdir();
      expect((await envkit(dir, ['identity', '--no-keyring'], { env: { XDG_CONFIG_HOME: config } })).code).toBe(0);
      const file = join(config, 'envkit', 'identity.txt');
      writeFileSync(file, text);
      const refused = await envkit(dir, ['identity', '--no-keyring'], { env: { XDG_CONFIG_HOME: config } });
      expect(refused.code, refused.all).toBe(3);
      // `envkit identity` alone would read the same file; age-keygen -o refuses an existing one.
      expect(refused.stderr).not.toContain('or `envkit identity`');
      expect(refused.stderr).toContain(`fix: move it away (\`mv -i ${file} ${file}.unusable\`), then \`envkit identity\` creates a new X25519 one`);
      expect(refused.all).not.toContain('QQQQQQ');
      expect(spawnSync('sh', ['-c', /`(mv -i [^`]+)`/.exec(refused.stderr)?.[1] as string], { stdio: 'ignore' }).status).toBe(0);
      const made = await envkit(dir, ['identity', '--no-keyring'], { env: { XDG_CONFIG_HOME: config } });
      expect(made.code, made.all).toBe(0);
      expect(made.stdout).toMatch(/^age1[0-9a-z]{58}\n$/);
      expect(readFileSync(`${file}.unusable`, 'utf8')).toBe(text);
    }
  });

  it('layout: .env.production.age (armored) and .env.production.recipients (age -R reads it) committed, plaintext ignored by git', async () => {
    const p = await ageProject();
    expect(readFileSync(join(p.dir, '.env.production.age'), 'utf8')).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/);
    const recipients = readFileSync(join(p.dir, '.env.production.recipients'), 'utf8');
    expect(recipients).toContain(`# alice\n${p.recipient}\n`);
    // The recipients file is age's own format: age -R encrypts to it.
    writeFileSync(join(p.dir, 'x'), 'A=1\n');
    expect(spawnSync('age', ['-e', '-R', join(p.dir, '.env.production.recipients'), '-o', join(p.dir, 'x.age'), join(p.dir, 'x')]).status).toBe(0);
    expect(ageDecrypt(p.identityFile, join(p.dir, 'x.age')).text).toBe('A=1\n');
    spawnSync('rm', [join(p.dir, 'x'), join(p.dir, 'x.age')]);
    expect(spawnSync('git', ['init', '-q'], { cwd: p.dir }).status).toBe(0);
    writeFileSync(join(p.dir, '.env.production'), 'a stray plaintext copy\n');
    writeFileSync(join(p.dir, '.env'), 'plaintext\n');
    const ignored = (name: string) => spawnSync('git', ['check-ignore', '-q', name], { cwd: p.dir }).status === 0;
    expect(ignored('.env.production')).toBe(true);
    expect(ignored('.env')).toBe(true);
    expect(ignored('.env.production.age.envkit-tmp-1234')).toBe(true);
    expect(ignored('.env.production.age')).toBe(false);
    expect(ignored('.env.production.recipients')).toBe(false);
    expect(ignored('.env.example')).toBe(false);
  });

  it('envkit gitignore covers every environment; commands without an encrypted form refuse --env and ENVKIT_ENV', async () => {
    const dir = testdir({ '.env.staging.recipients': '', '.env.production.age': '' });
    const check = await envkit(dir, ['gitignore', '--check']);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('.env.production, .env.production.envkit-*');
    expect((await envkit(dir, ['gitignore'])).code).toBe(0);
    expect((await envkit(dir, ['gitignore', '--check'])).code).toBe(0);
    expect(spawnSync('git', ['init', '-q'], { cwd: dir }).status).toBe(0);
    const ignored = (name: string) => spawnSync('git', ['check-ignore', '-q', name], { cwd: dir }).status === 0;
    expect(['.env.staging', '.env.production', '.env'].map(ignored)).toEqual([true, true, true]);
    expect(['.env.staging.recipients', '.env.production.age', '.env.example'].map(ignored)).toEqual([false, false, false]);
    // Each command whose row says it works only on the plaintext file (worksOn.environment 'plaintext'),
    // before it does anything: `keyring forget --yes` forgets nothing.
    const plaintextOnly = [
      [['init', '--no-input', '--env', 'production'], {}],
      [['backup'], { ENVKIT_ENV: 'production' }],
      [['restore', '--dry-run', '--env', 'production'], {}],
      [['keyring', 'forget', '--yes', '--env', 'production'], {}],
    ] as const;
    for (const [args, env] of plaintextOnly) {
      const result = await envkit(dir, [...args], { env });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^envkit: (init|backup|restore|keyring) works on the plaintext env file, not on an encrypted environment/);
    }
    expect(existsSync(join(dir, '.env'))).toBe(false);
  });

  for (const armor of [true, false]) {
    it(`round trip: age -e ${armor ? '-a ' : ''}-R writes the environment, envkit reads it; envkit writes, age -d reads`, async () => {
      const p = await ageProject();
      const source = join(testdir(), 'plain.env');
      const text = memuEnvText().replaceAll('memu_db', 'from_age_cli');
      writeFileSync(source, text);
      const file = join(p.dir, '.env.production.age');
      expect(spawnSync('age', ['-e', ...(armor ? ['-a'] : []), '-R', join(p.dir, '.env.production.recipients'), '-o', file, source]).status).toBe(0);
      expect(readFileSync(file).subarray(0, 5).toString()).toBe(armor ? '-----' : 'age-e');
      const got = await p.run(['get', 'POSTGRES_DB', '--env', 'production']);
      expect(got.stdout).toBe('from_age_cli\n');
      // envkit edits it in memory and writes armor again; age reads the result.
      const set = await p.run(['set', '--force', 'POSTGRES_DB=changed_by_envkit', '--env', 'production']);
      expect(set.code, set.all).toBe(0);
      const back = ageDecrypt(p.identityFile, file);
      expect(back.ok).toBe(true);
      expect(back.text).toBe(text.replaceAll('from_age_cli', 'changed_by_envkit'));
      expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
    });
  }

  it('set/get/unset/check --env edit in memory: lossless, derived values recomputed, no plaintext file anywhere', async () => {
    const p = await ageProject();
    const watcher = watchPlaintext([p.dir, p.env.TMPDIR as string, '/dev/shm', '/tmp']);
    const set = await p.run(['set', '--force', 'POSTGRES_USER=memu_other', '--env', 'production']);
    expect(set.code, set.all).toBe(0);
    expect(set.stdout).toMatch(/POSTGRES_USER +updated/);
    expect(set.stdout).toMatch(/MEMU_DB_URL +updated +secret +recomputed from its parts/);
    const unset = await p.run(['unset', 'OPENROUTER_API_KEY', '--env', 'production']);
    expect(unset.code, unset.all).toBe(0);
    const check = await p.run(['check', '--env', 'production']);
    expect(check.code, check.all).toBe(0);
    expect(check.stdout).toMatch(/decrypted in memory/);
    // As from .env: to a pipe a secret is printed only with --reveal (a mask would pass for the value).
    const get = await p.run(['get', 'POSTGRES_PASSWORD', '--env', 'production']);
    expect(get.code).toBe(1);
    expect(get.stdout).toBe('');
    expect(get.stderr).toContain('fix: `envkit get --env production POSTGRES_PASSWORD --reveal` prints it in clear');
    const seen = watcher.stop();
    expect(seen.plaintext).toEqual([]);
    // In the project only the encrypted file (through its temp) and the lock ever appeared; nothing in the temp dirs.
    for (const name of seen.names[p.dir] ?? []) expect(name).toMatch(/^\.env\.production(\.age(\.envkit-tmp-[0-9a-f]+)?|\.envkit-lock.*)$/);
    expect(seen.names[p.env.TMPDIR as string] ?? []).toEqual([]);
    const text = ageDecrypt(p.identityFile, join(p.dir, '.env.production.age')).text;
    const expected = memuEnvText(CANARY.POSTGRES_PASSWORD, { user: 'memu_other' }).replace(`OPENROUTER_API_KEY=${CANARY.OPENROUTER_API_KEY}\n`, '');
    expect(text).toBe(expected);
    expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
  });

  it('check --env reports schema problems by key and file:line without values; exit 1', async () => {
    const p = await ageProject(memuEnvText().replace(/^POSTGRES_PASSWORD=.*$/m, 'POSTGRES_PASSWORD=short%1'));
    const check = await p.run(['check', '--env', 'production']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/\.env\.production\.age:8 +POSTGRES_PASSWORD/);
    expect(check.all).not.toContain('short%1');
  });

  it('decrypt --env writes .env 0600 atomically for compose; refuses to overwrite a different .env without --force', async () => {
    const p = await ageProject();
    const first = await p.run(['decrypt', '--env', 'production']);
    expect(first.code, first.all).toBe(0);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(memuEnvText());
    expect(mode(join(p.dir, '.env'))).toBe(0o600);
    writeFileSync(join(p.dir, '.env'), 'POSTGRES_DB=local\n');
    const refused = await p.run(['decrypt', '--env', 'production']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\.env exists and differs from environment production; it was not changed\n {2}fix: compare them with `envkit diff \.env production`, then replace it with `envkit decrypt --env production --force`/);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe('POSTGRES_DB=local\n');
    const forced = await p.run(['decrypt', '--env', 'production', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(memuEnvText());
    expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
  });

  it('decrypt --env -f FILE (a git checkout): the plaintext it writes is ignored by git, as init makes its file', async () => {
    const p = await ageProject();
    expect(spawnSync('git', ['init', '-q'], { cwd: p.dir }).status).toBe(0);
    const written = await p.run(['decrypt', '--env', 'production', '-f', 'prod.env']);
    expect(written.code, written.all).toBe(0);
    expect(written.stdout).toContain('.gitignore     updated (added prod.env prod.env.envkit-*)');
    expect(mode(join(p.dir, 'prod.env'))).toBe(0o600);
    expect(spawnSync('git', ['check-ignore', '-q', 'prod.env'], { cwd: p.dir }).status).toBe(0);
    expect(spawnSync('git', ['status', '--porcelain'], { cwd: p.dir, encoding: 'utf8' }).stdout).not.toContain('prod.env');
    // Again: nothing more to add.
    const again = await p.run(['decrypt', '--env', 'production', '-f', 'prod.env']);
    expect(again.stdout).toBe('  prod.env       unchanged\n');
  });

  it('a host identity (age-keygen) added as recipient decrypts on the host with --identity and ENVKIT_IDENTITY_FILE', async () => {
    const p = await ageProject();
    const host = keygen(testdir(), 'host.key');
    const add = await p.run(['recipients', 'add', '--env', 'production', host.recipient, '--name', 'host prod-1']);
    expect(add.code, add.all).toBe(0);
    expect(ageDecrypt(host.file, join(p.dir, '.env.production.age')).text).toBe(memuEnvText());
    // The host has no personal identity: only its key file.
    const hostEnv = { XDG_CONFIG_HOME: testdir() };
    const byFlag = await envkit(p.dir, ['decrypt', '--env', 'production', '--identity', host.file], { env: hostEnv });
    expect(byFlag.code, byFlag.all).toBe(0);
    const byEnv = await envkit(p.dir, ['get', 'POSTGRES_USER'], { env: { ...hostEnv, ENVKIT_ENV: 'production', ENVKIT_IDENTITY_FILE: host.file } });
    expect(byEnv.stdout).toBe('memu_production_user\n');
    // A new environment for the host alone: `recipients add` without a recipient adds the --identity key.
    const staging = await envkit(p.dir, ['recipients', 'add', '--env', 'staging', '--identity', host.file, '--name', 'host prod-1'], { env: hostEnv });
    expect(staging.code, staging.all).toBe(0);
    expect(readFileSync(join(p.dir, '.env.staging.recipients'), 'utf8')).toContain(`# host prod-1\n${host.recipient}\n`);
    expect(existsSync(join(hostEnv.XDG_CONFIG_HOME, 'envkit'))).toBe(false);
  });

  it('a recipients file edited by hand: adding a listed recipient again re-encrypts to the list, so it can decrypt (and a line deleted by hand stops decrypting)', async () => {
    const p = await ageProject();
    const [carol, bob] = [keygen(testdir(), 'carol.key'), keygen(testdir(), 'bob.key')];
    expect((await p.run(['recipients', 'add', '--env', 'production', bob.recipient, '--name', 'bob'])).code).toBe(0);
    const list = join(p.dir, '.env.production.recipients');
    const file = join(p.dir, '.env.production.age');
    // age's recipients format, edited as age users do: carol added, bob deleted.
    writeFileSync(list, `${readFileSync(list, 'utf8').replace(`# bob\n${bob.recipient}\n`, '')}# carol\n${carol.recipient}\n`);
    expect(ageDecrypt(carol.file, file).ok).toBe(false);
    const added = await p.run(['recipients', 'add', '--env', 'production', carol.recipient]);
    expect(added.code, added.all).toBe(0);
    expect(added.stdout).toBe(`${carol.recipient} (carol) is already listed in .env.production.recipients; the environment is re-encrypted to the 2 listed there\n  .env.production.age updated\n`);
    expect(ageDecrypt(carol.file, file).text).toBe(memuEnvText());
    expect(ageDecrypt(bob.file, file).ok).toBe(false);
    expect(ageDecrypt(p.identityFile, file).text).toBe(memuEnvText());
  });

  it('a host decrypting with --identity: the fixes it is given name that --identity, and work as printed', async () => {
    const p = await ageProject();
    const keys = testdir();
    const host = keygen(keys, 'host.key');
    expect((await p.run(['recipients', 'add', '--env', 'production', host.recipient, '--name', 'host'])).code).toBe(0);
    const hostEnv = { XDG_CONFIG_HOME: testdir() };
    writeFileSync(join(p.dir, '.env'), 'POSTGRES_DB=other\n', { mode: 0o600 });
    // Given relative to where envkit starts (the project's parent), -C the project: the fix is for in there.
    const [parent, project, keyFile] = [dirname(p.dir), basename(p.dir), join(basename(keys), 'host.key')];
    const given = join('..', keyFile);
    const refused = await envkit(parent, ['-C', project, 'decrypt', '--env', 'production', '--identity', keyFile], { env: hostEnv });
    expect(refused.stderr).toContain(`fix (in ${project}/): compare`);
    expect(refused.code, refused.all).toBe(1);
    expect(refused.stderr).toContain(`compare them with \`envkit diff --identity ${given} .env production\`, then replace it with \`envkit decrypt --identity ${given} --env production --force\``);
    const commands = [...refused.stderr.matchAll(/`envkit ([^`]+)`/g)].map((m) => (m[1] as string).split(' '));
    const diff = await envkit(p.dir, commands[0] as string[], { env: hostEnv });
    expect(diff.code, diff.all).toBe(1);
    expect(diff.stdout).toMatch(/~ POSTGRES_DB +different/);
    const decrypted = await envkit(p.dir, commands[1] as string[], { env: hostEnv });
    expect(decrypted.code, decrypted.all).toBe(0);
    expect(readFileSync(join(p.dir, '.env'), 'utf8')).toBe(memuEnvText());
    expect(findLeak([refused.all, diff.all, decrypted.all].join('\n'), SECRETS)).toBeUndefined();
  });

  it('recipients remove with --schema and --identity: each rotate command printed names them, and works as printed', async () => {
    const schema = fileURLToPath(new URL('../../examples/custom-schema/schema.ts', import.meta.url));
    const secret = 'AgeCanarySessionSecret0123456789abcdefghijklmnopqrstuv';
    const p = await ageProject(`SESSION_SECRET=${secret}\nPORT=3000\n`, 'production');
    const keys = testdir();
    const host = keygen(keys, 'host.key');
    const bob = keygen(keys, 'bob.key');
    const scoped = ['--schema', schema, '--identity', host.file];
    expect((await p.run(['--schema', schema, 'recipients', 'add', '--env', 'production', host.recipient, '--name', 'host'])).code).toBe(0);
    expect((await p.run(['--schema', schema, 'recipients', 'add', '--env', 'production', bob.recipient, '--name', 'bob'])).code).toBe(0);
    const removed = await p.run([...scoped, 'recipients', 'remove', '--env', 'production', 'bob'], { env: { XDG_CONFIG_HOME: testdir() } });
    expect(removed.code, removed.all).toBe(0);
    const line = /^ {2}SESSION_SECRET +envkit (.+)$/m.exec(removed.stdout);
    expect(line?.[1]).toBe(`rotate --schema ${schema} --identity ${host.file} SESSION_SECRET --env production`);
    const rotated = await p.run((line?.[1] as string).split(' '), { env: { XDG_CONFIG_HOME: testdir() } });
    expect(rotated.code, rotated.all).toBe(0);
    const after = ageDecrypt(host.file, join(p.dir, '.env.production.age'));
    expect(after.text).toMatch(/^SESSION_SECRET=[A-Za-z0-9_-]{48}\nPORT=3000\n$/);
    expect(after.text).not.toContain(secret);
    expect(findLeak(p.outputs.join('\n'), [secret])).toBeUndefined();
  });

  it('recipients: list, add, remove re-encrypts so the removed identity can no longer decrypt, and lists what to rotate', async () => {
    const p = await ageProject();
    const bob = keygen(testdir(), 'bob.key');
    await p.run(['recipients', 'add', '--env', 'production', bob.recipient, '--name', 'bob']);
    const list = await p.run(['recipients', 'list', '--env', 'production']);
    expect(list.stdout).toBe(`${p.recipient}  # alice\n${bob.recipient}  # bob\n`);
    const file = join(p.dir, '.env.production.age');
    const old = readFileSync(file);
    expect(ageDecrypt(bob.file, file).ok).toBe(true);
    const removed = await p.run(['recipients', 'remove', '--env', 'production', 'bob']);
    expect(removed.code, removed.all).toBe(0);
    expect(ageDecrypt(bob.file, file).ok).toBe(false);
    expect(ageDecrypt(p.identityFile, file).text).toBe(memuEnvText());
    expect(readFileSync(file)).not.toEqual(old);
    expect(readFileSync(join(p.dir, '.env.production.recipients'), 'utf8')).not.toContain('bob');
    expect(removed.stdout).toContain('Removal is not revocation: rotate each one.');
    expect(removed.stdout).toMatch(/OPENAI_API_KEY +envkit rotate OPENAI_API_KEY --stdin --env production$/m);
    expect(removed.stdout).toMatch(/OPENROUTER_API_KEY +envkit rotate OPENROUTER_API_KEY --stdin --env production$/m);
    expect(removed.stdout).toMatch(/POSTGRES_PASSWORD +on the host: envkit rotate POSTGRES_PASSWORD --env production$/m);
    expect(removed.stdout).not.toMatch(/MEMU_DB_URL|POSTGRES_USER/);
    // The suggested command works as written.
    const rotated = await p.run(['rotate', 'OPENAI_API_KEY', '--stdin', '--env', 'production'], { input: 'sk-NewKeyAfterRevocation7Hq2Zx9Lm4' });
    expect(rotated.code, rotated.all).toBe(0);
    expect(ageDecrypt(p.identityFile, file).text).toContain('OPENAI_API_KEY=sk-NewKeyAfterRevocation7Hq2Zx9Lm4\n');
    expect(findLeak(p.outputs.join('\n'), [...SECRETS, 'sk-NewKeyAfterRevocation7Hq2Zx9Lm4'])).toBeUndefined();
  });

  it('rotate --env of the database password (it lives in the database too) asks how to reach the database where there is no compose file; nothing changed', async () => {
    const p = await ageProject();
    const before = snapshot(p.dir);
    const db = await p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'production']);
    expect(db.code).toBe(2);
    expect(db.stderr).toMatch(/no compose file in .*: say how to change the database password/);
    expect(db.stderr).toMatch(/fix: choose one: --compose-file FILE .*--apply direct .*--apply none \(change \.env\.production\.age only;/);
    expect(db.stderr).not.toContain('--apply compose');
    expect(snapshot(p.dir)).toEqual(before);
  });

  it('rotate --env of the database password with the login missing from the environment: the fix sets it in the environment, not with init (which writes .env)', async () => {
    const p = await ageProject(memuEnvText().replace(/^POSTGRES_USER=.*\n/m, ''));
    const before = snapshot(p.dir);
    const rotated = await p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'production', '--apply', 'none']);
    expect(rotated.code, rotated.all).toBe(1);
    expect(rotated.stderr).toContain('POSTGRES_USER is empty in .env.production.age');
    expect(rotated.stderr).toContain('fix: set POSTGRES_USER: `envkit set --env production POSTGRES_USER=...` (`envkit schema` shows the defaults)');
    expect(rotated.stderr).not.toContain('envkit init');
    expect(snapshot(p.dir)).toEqual(before);
    // As printed, with the value (the database never started here, so --force as set's own refusal says), then the rotation runs.
    expect((await p.run(['set', '--env', 'production', 'POSTGRES_USER=memu_production_user', '--force'])).code).toBe(0);
    const again = await p.run(['rotate', 'POSTGRES_PASSWORD', '--env', 'production', '--apply', 'none']);
    expect(again.code, again.all).toBe(0);
    expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
  });

  it('refuses a recipients list that would lock out everyone present, and recipients of unknown kinds; nothing written', async () => {
    const p = await ageProject();
    const before = snapshot(p.dir);
    const last = await p.run(['recipients', 'remove', '--env', 'production', 'alice']);
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/none of your identities would be a recipient of \.env\.production\.age: you would lock yourself out/);
    const cases: [string, RegExp][] = [
      [`age1pq1${'q'.repeat(100)}`, /post-quantum hybrid recipient \(age1pq1…\): age 1\.1\.1 cannot decrypt for it/],
      ['age1yubikey1qwertyqwertyqwerty', /a plugin recipient/],
      ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx', /an SSH public key/],
      [`AGE-SECRET-KEY-1${'Q'.repeat(58)}`, /this is a secret identity, not a recipient/],
      [`age1${'q'.repeat(58)}`, /recipient:.*not a valid age X25519 recipient: its checksum is wrong/],
    ];
    for (const [recipient, message] of cases) {
      const result = await p.run(['recipients', 'add', '--env', 'production', recipient]);
      expect(result.code, recipient).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.all).not.toContain('Q'.repeat(20));
    }
    expect(snapshot(p.dir)).toEqual(before);
    // A hand-edited recipients file with a post-quantum line is refused by file:line before anything is written.
    const list = join(p.dir, '.env.production.recipients');
    writeFileSync(list, `${readFileSync(list, 'utf8')}# carol\nage1pq1${'q'.repeat(80)}\n`);
    const edited = snapshot(p.dir);
    const set = await p.run(['set', '--force', 'POSTGRES_DB=x', '--env', 'production']);
    expect(set.code).toBe(3);
    expect(set.stderr).toMatch(/\.env\.production\.recipients:7: a post-quantum hybrid recipient/);
    expect(snapshot(p.dir)).toEqual(edited);
    // Its fix says which line to mend; deleting it, as the fix says, makes the file usable again.
    expect(set.stderr).toContain('fix: edit .env.production.recipients: replace line 7 by an X25519 recipient (age1…) of its owner, or delete the line;');
    writeFileSync(list, readFileSync(list, 'utf8').split('\n').filter((_, i) => i !== 6).join('\n'));
    const mended = await p.run(['set', '--force', 'POSTGRES_DB=x', '--env', 'production']);
    expect(mended.code, mended.all).toBe(0);
    writeFileSync(list, readFileSync(list, 'utf8').replace('# carol\n', ''));
    // A new environment whose first recipient is someone else's key: refused too.
    const other = keygen(testdir(), 'o.key');
    const foreign = await p.run(['recipients', 'add', '--env', 'staging', other.recipient]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/you would lock yourself out\n {2}fix: add yours first: `envkit recipients add --env staging age1/);
    expect(existsSync(join(p.dir, '.env.staging.recipients'))).toBe(false);
  });

  it('recipients add/remove by someone who cannot read the environment: told so (exit 3), not "locked out" with a fix that fails; nothing written', async () => {
    const p = await ageProject();
    const stranger = keygen(testdir(), 'stranger.key');
    const carol = keygen(testdir(), 'carol.key');
    const before = snapshot(p.dir);
    for (const args of [
      ['recipients', 'add', '--env', 'production', carol.recipient],
      ['recipients', 'remove', '--env', 'production', 'alice'],
    ]) {
      const result = await p.run([...args, '--identity', stranger.file]);
      expect(result.code, result.all).toBe(3);
      expect(result.stderr).toMatch(/your identity cannot decrypt \.env\.production\.age: it was not encrypted to your recipient\n {2}fix: ask someone who can read it to add the key's recipient/);
      expect(result.stderr).not.toContain('lock yourself out');
    }
    const none = await p.run(['recipients', 'remove', '--env', 'production', 'alice'], { env: { XDG_CONFIG_HOME: testdir() } });
    expect(none.code, none.all).toBe(3);
    expect(none.stderr).toMatch(/no age identity to decrypt \.env\.production\.age/);
    expect(snapshot(p.dir)).toEqual(before);
  });

  it('a plaintext .env.NAME.age: the printed fix (move it, encrypt --from it) works as written', async () => {
    const p = await ageProject();
    const file = join(p.dir, '.env.production.age');
    writeFileSync(file, memuEnvText());
    for (const args of [['check', '--env', 'production'], ['diff', 'production', 'production']]) {
      const refused = await p.run(args);
      expect(refused.code, refused.all).toBe(3);
      expect(refused.stderr).toContain(
        'fix: envkit reads age files (armored or binary); if it holds plaintext, move it (`mv -i .env.production.age .env.production`), encrypt it with `envkit encrypt --env production --from .env.production`, then delete .env.production',
      );
    }
    expect(spawnSync('sh', ['-c', 'mv -i .env.production.age .env.production'], { cwd: p.dir, stdio: 'ignore' }).status).toBe(0);
    const encrypted = await p.run(['encrypt', '--env', 'production', '--from', '.env.production']);
    expect(encrypted.code, encrypted.all).toBe(0);
    expect(ageDecrypt(p.identityFile, file).text).toBe(memuEnvText());
    expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
  });

  it('encrypt --from a pipe or device: refused with a fix for an input (never "rm" it); --from a symlink to a file reads the file', async () => {
    const p = await ageProject();
    const outside = testdir({ 'real.env': memuEnvText(undefined, { db: 'linked_db' }) });
    expect(spawnSync('mkfifo', [join(outside, 'fifo')]).status).toBe(0);
    const before = snapshot(p.dir);
    for (const from of ['/dev/null', join(outside, 'fifo')]) {
      const refused = await p.run(['encrypt', '--env', 'production', '--from', from]);
      expect(refused.code, refused.all).toBe(3);
      expect(refused.stderr).toContain(`envkit: ${from} is not a regular file; envkit encrypt reads the plaintext from a regular file only\n  fix: give the path of the .env file to encrypt`);
      expect(refused.stderr).not.toMatch(/\brm |--remove-destination/);
    }
    expect(snapshot(p.dir)).toEqual(before);
    symlinkSync(join(outside, 'real.env'), join(outside, 'link.env'));
    const linked = await p.run(['encrypt', '--env', 'production', '--from', join(outside, 'link.env')]);
    expect(linked.code, linked.all).toBe(0);
    expect(ageDecrypt(p.identityFile, join(p.dir, '.env.production.age')).text).toBe(memuEnvText(undefined, { db: 'linked_db' }));
  });

  it('encrypt --from a file with lines no reader agrees on: the fix is about that file and its printed command works once they are mended', async () => {
    const p = await ageProject();
    writeFileSync(join(p.dir, 'staging.env'), `not an assignment\n${memuEnvText(undefined, { db: 'from_file' })}`);
    const before = snapshot(p.dir);
    const refused = await p.run(['encrypt', '--env', 'production', '--from', 'staging.env']);
    expect(refused.code, refused.all).toBe(1);
    expect(refused.stderr).toContain('  - staging.env:1:1: not a KEY=value assignment or a comment');
    expect(refused.stderr).toContain('fix: fix each listed line of staging.env, then run `envkit encrypt --env production --from staging.env` again');
    expect(refused.stderr).not.toContain('envkit check');
    expect(snapshot(p.dir)).toEqual(before);
    writeFileSync(join(p.dir, 'staging.env'), `# not an assignment\n${memuEnvText(undefined, { db: 'from_file' })}`);
    const again = await p.run(['encrypt', '--env', 'production', '--from', 'staging.env']);
    expect(again.code, again.all).toBe(0);
    expect(ageDecrypt(p.identityFile, join(p.dir, '.env.production.age')).text).toContain('POSTGRES_DB=from_file\n');
    expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
  });

  it('an environment (written with age -e) holding a line no reader agrees on: the fix is its editor, which mends it as printed', async () => {
    const p = await ageProject();
    const file = join(p.dir, '.env.production.age');
    const broken = memuEnvText().replace('OPENROUTER_BASE_URL=https://openrouter.ai/api/v1', 'OPENROUTER_BASE_URL="https://openrouter.ai/api/v1');
    const sealed = spawnSync('age', ['-e', '-a', '-R', join(p.dir, '.env.production.recipients')], { input: broken });
    expect(sealed.status).toBe(0);
    writeFileSync(file, sealed.stdout);
    for (const args of [['check', '--env', 'production'], ['run', '--env', 'production', '--', 'true'], ['set', '--env', 'production', 'POSTGRES_DB=x', '--force']]) {
      const refused = await p.run(args);
      expect(refused.code, refused.all).not.toBe(0);
      expect(refused.stderr).toMatch(/\.env\.production\.age:4:\d+: a line cannot be read the same way by every \.env reader/);
      expect(refused.stderr).toContain('fix: fix each listed line with `envkit edit --env production`');
    }
    const editor = join(testdir({ 'mend.sh': [`#!/bin/sh\nsed -i 's/^OPENROUTER_BASE_URL="/OPENROUTER_BASE_URL=/' "$1"\n`, 0o755] }), 'mend.sh');
    const edited = await p.run(['edit', '--env', 'production'], { env: { EDITOR: editor, VISUAL: '' } });
    expect(edited.code, edited.all).toBe(0);
    expect(ageDecrypt(p.identityFile, file).text).toBe(memuEnvText());
    expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
  });

  it('wrong identity, no identity, tampered and truncated files: a clear error (exit 3), nothing written, nothing quoted', async () => {
    const p = await ageProject();
    const file = join(p.dir, '.env.production.age');
    const stranger = keygen(testdir(), 'stranger.key');
    const commands = [['get', 'POSTGRES_USER'], ['set', '--force', 'POSTGRES_DB=x'], ['decrypt'], ['run', '--', 'true'], ['check']];
    const expectRefused = async (message: RegExp, env: NodeJS.ProcessEnv = {}, extra: string[] = []) => {
      const before = snapshot(p.dir);
      for (const args of commands) {
        const result = await p.run([...args.slice(0, args.indexOf('--') < 0 ? undefined : args.indexOf('--')), '--env', 'production', ...extra, ...(args.includes('--') ? args.slice(args.indexOf('--')) : [])], { env });
        expect(result.code, `${args.join(' ')}: ${result.all}`).toBe(3);
        expect(result.stderr).toMatch(message);
      }
      expect(snapshot(p.dir)).toEqual(before);
    };
    // The fix names the environment to be added to (it said `--env NAME`).
    // With a key file, the recipient to be added is the file's, which age-keygen -y prints (`envkit identity` would make another).
    await expectRefused(
      new RegExp(
        `your identity cannot decrypt \\.env\\.production\\.age: it was not encrypted to your recipient\\n {2}fix: ask someone who can read it to add the key's recipient: \`envkit recipients add --env production <age1… recipient>\` \\(\`age-keygen -y ${stranger.file}\` prints it\\)`,
      ),
      {},
      ['--identity', stranger.file],
    );
    await expectRefused(/fix: ask someone who can read it to add the key's recipient: .*\(`age-keygen -y \S+stranger\.key` prints it\)/, { ENVKIT_IDENTITY_FILE: stranger.file });
    // A personal identity that is not a recipient: `envkit identity` prints it.
    const other = testdir();
    expect((await p.run(['identity', '--no-keyring'], { env: { XDG_CONFIG_HOME: other } })).code).toBe(0);
    await expectRefused(/fix: ask someone who can read it to add you: `envkit recipients add --env production <your age1… recipient>` \(`envkit identity` prints yours\)/, { XDG_CONFIG_HOME: other });
    // As printed: the key file's recipient, added by someone who can read the environment, lets the key file in.
    const printed = spawnSync('age-keygen', ['-y', stranger.file], { encoding: 'utf8' }).stdout.trim();
    const added = await p.run(['recipients', 'add', '--env', 'production', printed]);
    expect(added.code, added.all).toBe(0);
    expect((await p.run(['get', 'POSTGRES_USER', '--env', 'production', '--identity', stranger.file], { env: { XDG_CONFIG_HOME: testdir() } })).stdout).toBe('memu_production_user\n');
    await p.run(['recipients', 'remove', '--env', 'production', printed]);
    await expectRefused(/no age identity to decrypt \.env\.production\.age/, { XDG_CONFIG_HOME: testdir() });
    const good = readFileSync(file, 'utf8');
    const lines = good.split('\n');
    // One character of the payload changed (armor stays valid base64).
    const at = lines.length - 4;
    lines[at] = (lines[at] as string).replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    writeFileSync(file, lines.join('\n'));
    await expectRefused(/\.env\.production\.age cannot be decrypted: (its contents fail|its header|its ASCII armor)/);
    const raw = Buffer.from(good.split('\n').slice(1, -2).join(''), 'base64');
    writeFileSync(file, raw.subarray(0, raw.length - 20));
    await expectRefused(/\.env\.production\.age cannot be decrypted: its contents fail age's authentication check \(edited, damaged or cut short\)/);
    writeFileSync(file, memuEnvText());
    await expectRefused(/\.env\.production\.age is not an age-encrypted file/);
    expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
  });

  it('--json of every new command holds no value (get masks, remove lists keys), and parses', async () => {
    const p = await ageProject();
    const bob = keygen(testdir(), 'bob.key');
    const runs = [
      ['identity', '--json'],
      ['recipients', 'list', '--env', 'production', '--json'],
      ['recipients', 'add', '--env', 'production', bob.recipient, '--name', 'bob', '--json'],
      ['get', 'POSTGRES_PASSWORD', '--env', 'production', '--json'],
      ['set', '--force', 'POSTGRES_DB=json_db', '--env', 'production', '--json'],
      ['check', '--env', 'production', '--json'],
      ['diff', 'production', 'production', '--json'],
      ['recipients', 'remove', '--env', 'production', 'bob', '--json'],
    ];
    for (const args of runs) {
      const result = await p.run(args);
      expect(result.code, `${args.join(' ')}: ${result.all}`).toBe(0);
      expect(() => JSON.parse(result.stdout), args.join(' ')).not.toThrow();
    }
    const removed = JSON.parse(p.outputs.at(-1) as string) as { exposed: { key: string }[] };
    expect(removed.exposed.map((e) => e.key).sort()).toEqual(['OPENAI_API_KEY', 'OPENROUTER_API_KEY', 'POSTGRES_PASSWORD']);
    expect(findLeak(p.outputs.join('\n'), SECRETS)).toBeUndefined();
  });

  it('encrypt lists each key once, as it ends up: a stale MEMU_DB_URL that recomputes to what is there is no change', async () => {
    const p = await ageProject();
    const source = join(testdir(), 'again.env');
    const stale = memuEnvText().replace(/^(MEMU_DB_URL=.*\/)memu_db$/m, '$1stale_db');
    expect(stale).not.toBe(memuEnvText());
    writeFileSync(source, stale);
    const again = await p.run(['encrypt', '--env', 'production', '--from', source]);
    expect(again.code, again.all).toBe(0);
    // It listed MEMU_DB_URL twice, "updated" and "updated, recomputed", over a file it then called unchanged.
    expect(again.stdout).not.toContain('MEMU_DB_URL');
    expect(again.stdout).toMatch(/\.env\.production\.age unchanged/);
    writeFileSync(source, stale.replace(/^POSTGRES_DB=.*$/m, 'POSTGRES_DB=renamed_db'));
    const renamed = await p.run(['encrypt', '--env', 'production', '--from', source]);
    expect(renamed.code, renamed.all).toBe(0);
    expect(renamed.stdout.match(/MEMU_DB_URL/g)).toHaveLength(1);
    expect(renamed.stdout).toMatch(/MEMU_DB_URL +updated +secret +recomputed from its parts/);
    expect(renamed.stdout).toMatch(/\.env\.production\.age updated/);
  });

  it('get --env reads as get does: --allow-unknown, a URL\'s credentials masked, a missing value\'s fix with --env', async () => {
    const p = await ageProject(`${memuEnvText()}EXTRA_TOKEN=extra-token-value\n`);
    const unknown = await p.run(['get', 'EXTRA_TOKEN', '--env', 'production', '--allow-unknown', '--reveal']);
    expect(unknown.code, unknown.all).toBe(0);
    expect(unknown.stdout).toBe('extra-token-value\n');
    expect((await p.run(['get', 'EXTRA_TOKEN', '--env', 'production', '--reveal'])).stderr).toContain('EXTRA_TOKEN is not a variable of the memu schema');
    expect((await p.run(['set', 'OLLAMA_API_BASE_URL=http://ollama:UrlPass9x@127.0.0.1:11434/api', '--env', 'production'])).code).toBe(0);
    const url = await p.run(['get', 'OLLAMA_API_BASE_URL', '--env', 'production']);
    expect(url.code).toBe(0);
    expect(url.all).not.toContain('UrlPass9x');
    expect(url.stderr).toContain("note: the credentials in OLLAMA_API_BASE_URL's URL are masked; --reveal to show them");
    expect((await p.run(['unset', 'OPENROUTER_API_KEY', '--env', 'production'])).code).toBe(0);
    const missing = await p.run(['get', 'OPENROUTER_API_KEY', '--env', 'production']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('envkit: OPENROUTER_API_KEY has no value in environment production and no default\n  fix: set it with `envkit set --env production OPENROUTER_API_KEY --stdin` (it asks, the input hidden)\n');
    const json = JSON.parse((await p.run(['get', 'POSTGRES_USER', '--env', 'production', '--json'])).stdout) as Record<string, unknown>;
    expect(json).toEqual({ key: 'POSTGRES_USER', environment: 'production', value: 'memu_production_user', masked: false, secret: false, source: 'file' });
  });

  it('diff compares environments and .env files by keys and fingerprints, never values', async () => {
    const p = await ageProject();
    await p.run(['recipients', 'add', '--env', 'staging']);
    const source = join(testdir(), 's.env');
    writeFileSync(source, memuEnvText('StagingPassword9Zx2Qm4Lp7Vb1Hk3').replace('MEMU_MEMORY_LIMIT=2g\n', ''));
    expect((await p.run(['encrypt', '--env', 'staging', '--from', source])).code).toBe(0);
    const diff = await p.run(['diff', 'production', 'staging']);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/^= POSTGRES_USER +same +[0-9a-f]{8}$/m);
    expect(diff.stdout).toMatch(/^~ POSTGRES_PASSWORD +different +[0-9a-f]{8} → [0-9a-f]{8}$/m);
    expect(diff.stdout).toMatch(/^- MEMU_MEMORY_LIMIT +only in production +[0-9a-f]{8}$/m);
    expect(findLeak(diff.all, [...SECRETS, 'StagingPassword9Zx2Qm4Lp7Vb1Hk3'])).toBeUndefined();
    // Fingerprints are keyed per run: the same value shows another fingerprint next time.
    const again = await p.run(['diff', 'production', 'staging']);
    expect(again.stdout.match(/POSTGRES_USER +same +([0-9a-f]{8})/)?.[1]).not.toBe(diff.stdout.match(/POSTGRES_USER +same +([0-9a-f]{8})/)?.[1]);
    writeFileSync(join(p.dir, 'local.env'), memuEnvText());
    const same = await p.run(['diff', './local.env', 'production']);
    expect(same.code, same.all).toBe(0);
  });
});
