import { describe, expect, it } from 'vitest';
import { parseByteSize, parseDuration } from './units.js';

const K = 1024;

describe('parseByteSize: docker go-units RAMInBytes', () => {
  it.each([
    ['512m', 512 * K ** 2, 'm', true],
    ['1g', K ** 3, 'g', true],
    ['1.5g', 1.5 * K ** 3, 'g', true],
    ['1024k', K ** 2, 'k', true],
    ['8G', 8 * K ** 3, 'g', true],
    ['2GB', 2 * K ** 3, 'g', true],
    ['10240kb', 10240 * K, 'k', true],
    ['6291456b', 6291456, '', true],
    ['1048576', 1048576, '', false],
    ['512MiB', 512 * K ** 2, 'm', false],
    ['2gi', 2 * K ** 3, 'g', false],
    ['2 g', 2 * K ** 3, 'g', false],
    ['2t', 2 * K ** 4, 't', false],
    ['1p', K ** 5, 'p', false],
  ] as const)('%s is %d bytes (documented form: %s)', (text, bytes, prefix, documented) => {
    expect(parseByteSize(text)).toEqual({ bytes, prefix, documented });
  });

  it('truncates to whole bytes as go-units does', () => {
    expect(parseByteSize('1.5')?.bytes).toBe(1);
    expect(parseByteSize('0.3k')?.bytes).toBe(307);
  });

  it.each(['lots', '2 gigs', '1.2.3g', '1.g', '.5g', 'g', '2gg', '-1g', ' 2g', '2g ', '2  g', '', '1e9', '2x'])('refuses %j', (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });
});

describe('parseDuration: Go time.ParseDuration, in ms', () => {
  it.each([
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['10s', 10_000],
    ['0', 0],
    ['-0', 0],
    ['+5s', 5000],
    ['1h2m3s4ms', 3_723_004],
    ['.5s', 500],
    ['1000us', 1],
    ['2µs', 0.002],
  ] as const)('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['30', '10 s', '', '-', '1d', '1w', 's', '1x', '10S', ' 10s'])('refuses %j (1d/1w: docker compose takes them, podman does not)', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

// Moved from compose/hardening.test.ts with the parsers (parseMemory was hardening's go-units reader).
describe('the parsers the compose rules use', () => {
  const parseMemory = (text: string): number | undefined => parseByteSize(text)?.bytes;
  it('parses Go durations and docker memory sizes', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('30')).toBeUndefined();
    expect(parseDuration('10 s')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
    expect(parseMemory('2g')).toBe(2 * 1024 ** 3);
    expect(parseMemory('512MiB')).toBe(512 * 1024 ** 2);
    expect(parseMemory('1.5g')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('1048576')).toBe(1048576);
    expect(parseMemory('lots')).toBeUndefined();
    expect(parseMemory('2 gigs')).toBeUndefined();
  });
});
