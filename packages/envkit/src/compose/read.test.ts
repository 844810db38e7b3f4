import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findComposeFile, getNode, readComposeText } from './read.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function dirWith(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'envkit-compose-'));
  dirs.push(dir);
  for (const name of names) writeFileSync(join(dir, name), 'services: {}\n');
  return dir;
}

describe('findComposeFile', () => {
  it("follows compose-go's order, then podman-compose's names", () => {
    const all = ['podman-compose.yml', 'podman-compose.yaml', 'docker-compose.yaml', 'docker-compose.yml', 'compose.yml', 'compose.yaml'];
    const expected = [...all].reverse();
    for (let i = 0; i < expected.length; i++) {
      const dir = dirWith(expected.slice(i));
      expect(findComposeFile(dir)).toBe(join(dir, expected[i] as string));
    }
  });

  it('returns undefined when there is none, and ignores a directory with the name', () => {
    const dir = dirWith(['other.yml']);
    mkdirSync(join(dir, 'compose.yaml'));
    expect(findComposeFile(dir)).toBeUndefined();
  });
});

describe('readComposeText', () => {
  it('turns a YAML syntax error into an error finding with file:line, quoting nothing', async () => {
    const text = 'services:\n  db:\n    environment:\n      PASSWORD: "s3cret-value\n    image: x\n';
    const file = await readComposeText(text, 'compose.yaml');
    expect(file.errors.length).toBeGreaterThan(0);
    expect(file.errors[0]).toMatchObject({ severity: 'error', rule: 'compose.yaml', file: 'compose.yaml' });
    expect(file.errors[0]?.line).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(file.errors)).not.toContain('s3cret');
  });

  it('reports duplicate keys (compose refuses them too) and still lists the services (podman-compose reads the file)', async () => {
    const file = await readComposeText('services:\n  a:\n    image: x\n    image: y\n  db:\n    image: postgres\n', 'c.yml');
    expect(file.errors.map((e) => [e.rule, e.line])).toEqual([['compose.yaml', 4]]);
    expect(file.services.map((s) => s.name)).toEqual(['a', 'db']);
  });

  it('follows a map that merges itself only once', async () => {
    const file = await readComposeText('services:\n  app: &a\n    <<: *a\n    image: x\n', 'c.yml');
    expect(getNode(file.services[0]?.node, 'restart')).toBeUndefined();
    expect(file.lineOf(getNode(file.services[0]?.node, 'image'))).toBe(4);
  });

  it('reports a file without services, and a service that is not a mapping', async () => {
    expect((await readComposeText('version: "3"\n', 'c.yml')).errors.map((e) => [e.rule, e.line])).toEqual([['compose.structure', 1]]);
    expect((await readComposeText('- a\n', 'c.yml')).errors.map((e) => e.rule)).toEqual(['compose.structure']);
    const file = await readComposeText('services:\n  a: nope\n  b:\n    image: x\n', 'c.yml');
    expect(file.errors.map((e) => [e.rule, e.line])).toEqual([['compose.structure', 2]]);
    expect(file.services.map((s) => s.name)).toEqual(['b']);
  });

  it('gives lines of services and of nested nodes', async () => {
    const text = 'x-base: &base\n  restart: always\nservices:\n  app:\n    <<: *base\n    image: busybox\n';
    const file = await readComposeText(text, 'c.yml');
    const app = file.services[0];
    expect(app?.line).toBe(4);
    expect(file.lineOf(getNode(app?.node, 'image'))).toBe(6);
    // A merged key reports where it is written: in the anchored block.
    expect(file.lineOf(getNode(app?.node, 'restart'))).toBe(2);
    expect(file.lineOf('not a node')).toBeUndefined();
  });
});
