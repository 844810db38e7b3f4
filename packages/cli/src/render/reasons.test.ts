import { describe, expect, it } from 'vitest';
import { EnvkitError } from 'envkit';
import { detectComposeCommand } from '../../../envkit/src/database/compose-command.js';
import { diagnoseKeyringFailure, keyringError } from '../../../envkit/src/keyring/probe.js';
import { hintOf, wordError } from './reasons.js';

// The library carries reasons; these are the flags the CLI names for them (the assertions the library's own
// tests made while the library still named the flags).

function caught(run: () => unknown): EnvkitError {
  try {
    run();
  } catch (error) {
    if (error instanceof EnvkitError) return error;
  }
  throw new Error('expected an EnvkitError');
}

describe('the CLI words the reasons with its flags', () => {
  it('an unreachable database host: --db-host/--db-port', () => {
    const error = new EnvkitError('DATABASE', 'could not reach PostgreSQL at 127.0.0.1:1: connect ECONNREFUSED', { hint: 'check the host and port', reason: 'host-unreachable' });
    expect(hintOf(error)).toMatch(/--db-host\/--db-port/);
  });

  it('compose outside a rotation: --compose, -C and --compose-file, --compose-cmd', () => {
    const hint = (code: 'FILE' | 'USAGE' | 'TOOL', reason: string) => hintOf(new EnvkitError(code, 'x', { hint: 'the library words', reason }));
    expect(hint('FILE', 'compose-file-missing')).toBe('give the right path with --compose');
    expect(hint('USAGE', 'no-compose-file')).toMatch(/\(-C\), or name the files with --compose-file$/);
    expect(hint('TOOL', 'no-compose-command')).toMatch(/--compose-cmd 'docker compose'$/);
  });

  it('an empty compose command: --compose-cmd, the option `envkit rotate` has', () => {
    const hint = hintOf(caught(() => detectComposeCommand({ given: '   ' })));
    expect(hint).toMatch(/--compose-cmd/);
    expect(hint).not.toMatch(/--compose(?![-\w])/);
  });

  it('an unusable keyring: every hint ends with --no-keyring', () => {
    for (const detail of ['Platform failure: DBus error: Did not receive a reply', 'ENVKIT_LOAD: Cannot find module /x/keyring.linux-x64-gnu.node']) {
      const error = keyringError(diagnoseKeyringFailure({ kind: 'native', detail }, { platform: 'linux' }), 'unavailable');
      expect(hintOf(error)).toMatch(/; or run with --no-keyring to do without the keyring$/);
    }
  });

  it('an unusable keyring: the library hint with --no-keyring as the way out, word for word, for every problem and platform', () => {
    const problems = ['no-bus', 'no-service', 'no-keyring', 'locked', 'stuck', 'service-died', 'denied', 'module', 'crashed', 'failed'] as const;
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      for (const problem of problems) {
        const diagnosis = diagnoseKeyringFailure({ kind: 'preflight', problem, detail: 'x' }, { platform });
        const library = keyringError(diagnosis, 'unavailable').hint ?? '';
        expect(library.endsWith('; or do without the keyring')).toBe(true);
        expect(hintOf(keyringError(diagnosis, 'unavailable'))).toBe(`${library.slice(0, -'or do without the keyring'.length)}or run with --no-keyring to do without the keyring`);
      }
    }
    const noBus = keyringError(diagnoseKeyringFailure({ kind: 'preflight', problem: 'no-bus', detail: 'DBUS_SESSION_BUS_ADDRESS is not set' }, { platform: 'linux' }), 'unavailable');
    expect(hintOf(noBus)).toBe(
      'start a session bus and a keyring for this shell: `dbus-run-session -- $SHELL`, then `gnome-keyring-daemon --replace --unlock --components=secrets`, type the keyring password and press Ctrl-D (or log in to a desktop session); or run with --no-keyring to do without the keyring',
    );
  });

  it('a keyring history that cannot be read: the forget it names has --yes, without which keyring forget only asks', () => {
    const error = new EnvkitError('KEYRING', 'the keyring history of OPENAI_API_KEY (service envkit:x) is not readable', { hint: 'remove OPENAI_API_KEY from the keyring', reason: 'history-unreadable', data: { key: 'OPENAI_API_KEY' } });
    expect(hintOf(error)).toMatch(/`envkit keyring forget OPENAI_API_KEY --yes`/);
  });

  it('a refused change of a value that lives elsewhere: the schema says how, the CLI says --force', () => {
    const error = new EnvkitError('REFUSED', 'setting POSTGRES_DB …', {
      reason: 'external',
      data: { key: 'POSTGRES_DB', verb: 'set', aloneWhen: 'the database was never started', first: ['rename the database first (`ALTER DATABASE <old> RENAME TO <new>;`)'] },
    });
    expect(wordError(error).hint).toBe('rename the database first (`ALTER DATABASE <old> RENAME TO <new>;`), then repeat with --force; --force alone only if the database was never started');
  });
});
