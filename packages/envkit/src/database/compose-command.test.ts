import { describe, expect, it } from 'vitest';
import { testdir } from '../../../../test/helpers/testdir.js';
import { isEnvkitError } from '../errors.js';
import { detectComposeCommand, findExecutable } from './compose-command.js';

const ok = ['#!/bin/sh\nexit 0\n', 0o755] as [string, number];
/** A docker whose `compose` subcommand is missing, as with plain docker without the plugin. */
const dockerWithoutCompose = [
  '#!/bin/sh\n[ "$1" = compose ] && { echo "docker: unknown command: docker compose" >&2; exit 1; }\nexit 0\n',
  0o755,
] as [string, number];

describe('detectComposeCommand', () => {
  it('uses the given command, split on whitespace', () => {
    expect(detectComposeCommand({ given: ' docker  compose ', env: { PATH: '' } })).toEqual({
      argv: ['docker', 'compose'],
    });
    expect(detectComposeCommand({ given: 'podman-compose', env: { PATH: '' } })).toEqual({ argv: ['podman-compose'] });
  });

  it('refuses an empty given command', () => {
    let caught: unknown;
    try {
      detectComposeCommand({ given: '   ' });
    } catch (error) {
      caught = error;
    }
    expect(isEnvkitError(caught, 'USAGE')).toBe(true);
    // The CLI names the option `envkit rotate` has for this reason (--compose-cmd: packages/cli/src/render/reasons.test.ts).
    expect(isEnvkitError(caught) && caught.reason).toBe('compose-cmd-empty');
    expect(isEnvkitError(caught) && caught.hint).not.toMatch(/--compose/);
  });

  it('prefers podman-compose, then docker compose, then docker-compose', () => {
    const all = testdir({ 'bin/podman-compose': ok, 'bin/docker': ok, 'bin/docker-compose': ok });
    expect(detectComposeCommand({ env: { PATH: `${all}/bin` } })).toEqual({ argv: ['podman-compose'] });
    const docker = testdir({ 'bin/docker': ok, 'bin/docker-compose': ok });
    expect(detectComposeCommand({ env: { PATH: `${docker}/bin` } })).toEqual({ argv: ['docker', 'compose'] });
    const legacy = testdir({ 'bin/docker': dockerWithoutCompose, 'bin/docker-compose': ok });
    expect(detectComposeCommand({ env: { PATH: `${legacy}/bin` } })).toEqual({ argv: ['docker-compose'] });
  });

  it('searches PATH in order, across directories', () => {
    const a = testdir({ 'docker': dockerWithoutCompose });
    const b = testdir({ 'docker-compose': ok });
    expect(detectComposeCommand({ env: { PATH: `${a}:${b}` } })).toEqual({ argv: ['docker-compose'] });
  });

  it('finds nothing when no usable command is on PATH', () => {
    const plainDocker = testdir({ docker: dockerWithoutCompose, 'podman-compose': ['not executable', 0o644] });
    expect(detectComposeCommand({ env: { PATH: plainDocker } })).toBeUndefined();
    expect(detectComposeCommand({ env: {} })).toBeUndefined();
  });
});

describe('findExecutable', () => {
  it('returns the first executable file on PATH and skips relative entries and directories', () => {
    const a = testdir({ 'tool/x': 'a directory named like the tool' });
    const b = testdir({ tool: ok });
    expect(findExecutable('tool', { PATH: `.:relative:${a}:${b}` })).toBe(`${b}/tool`);
    expect(findExecutable('missing', { PATH: b })).toBeUndefined();
    expect(findExecutable(`${b}/tool`, { PATH: '' })).toBe(`${b}/tool`);
  });
});
