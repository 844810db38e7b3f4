import { describe, expect, it } from 'vitest';
import { thrown } from '../../../../test/helpers/errors.js';
import { composeArgv, composeEngine, shellLine, splitCommandLine } from './project.js';

describe('splitCommandLine', () => {
  it('splits a compose command with its own flags as a shell would, without expanding anything', () => {
    expect(splitCommandLine("podman-compose --podman-run-args='--runtime runc'")).toEqual(['podman-compose', '--podman-run-args=--runtime runc']);
    expect(splitCommandLine('docker  compose')).toEqual(['docker', 'compose']);
    expect(splitCommandLine('"/opt/my tools/podman-compose" -p x')).toEqual(['/opt/my tools/podman-compose', '-p', 'x']);
    expect(splitCommandLine('compose --x=$HOME ~ a*b')).toEqual(['compose', '--x=$HOME', '~', 'a*b']);
  });

  it('refuses shell syntax and an empty command', () => {
    expect(thrown(() => splitCommandLine('podman-compose | tee log'))).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/holds shell syntax \(\|\)/) });
    expect(thrown(() => splitCommandLine('podman-compose; rm -rf x'))).toMatchObject({ code: 'USAGE' });
    expect(thrown(() => splitCommandLine('   '))).toMatchObject({ code: 'USAGE', message: 'the compose command is empty' });
  });

  it('round-trips through shellLine, so a printed command runs as the split one', () => {
    for (const argv of [['podman-compose', '--podman-run-args=--runtime runc'], ['a b', "it's", 'x']]) {
      expect(splitCommandLine(shellLine(argv))).toEqual(argv);
    }
  });
});

describe('composeArgv and composeEngine', () => {
  it('puts every -f in order, then -p, then the subcommand', () => {
    const project = { compose: { argv: ['podman-compose', '--podman-run-args=--runtime runc'] }, dir: '/srv', files: ['a.yml', 'b.yml'], projectName: 'memu' };
    expect(composeArgv(project, ['up', '-d'])).toEqual(['podman-compose', '--podman-run-args=--runtime runc', '-f', 'a.yml', '-f', 'b.yml', '-p', 'memu', 'up', '-d']);
  });

  it('drives podman for podman-compose (its --podman-path when given), docker otherwise', () => {
    expect(composeEngine({ argv: ['podman-compose'] })).toEqual({ kind: 'podman', argv: ['podman'] });
    expect(composeEngine({ argv: ['/usr/bin/podman-compose', '--podman-path', '/opt/podman'] })).toEqual({ kind: 'podman', argv: ['/opt/podman'] });
    expect(composeEngine({ argv: ['wrapper', '--podman-path=/opt/podman'] })).toEqual({ kind: 'podman', argv: ['/opt/podman'] });
    expect(composeEngine({ argv: ['docker', 'compose'] })).toEqual({ kind: 'docker', argv: ['docker'] });
    expect(composeEngine({ argv: ['docker-compose'] })).toEqual({ kind: 'docker', argv: ['docker'] });
  });
});
