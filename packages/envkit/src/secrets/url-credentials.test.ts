import { describe, expect, it } from 'vitest';
import { maskUrlCredentials, stripUrlCredentials, urlHasCredentials } from './url-credentials.js';

describe('URL credentials', () => {
  it.each([
    ['http://u:SECRET@h:9/api', 'http://u:********@h:9/api', 'http://h:9/api'],
    ['https://ghp_TOKEN123@github.com/x', 'https://********@github.com/x', 'https://github.com/x'],
    ['postgresql+psycopg://memu:p@ss@db:5432/memu_db', 'postgresql+psycopg://memu:********@db:5432/memu_db', 'postgresql+psycopg://db:5432/memu_db'],
    ['redis://:pw@cache:6379/0', 'redis://:********@cache:6379/0', 'redis://cache:6379/0'],
  ])('%s carries credentials: masked and stripped', (url, masked, stripped) => {
    expect(urlHasCredentials(url)).toBe(true);
    expect(maskUrlCredentials(url)).toBe(masked);
    expect(maskUrlCredentials(url)).not.toMatch(/SECRET|TOKEN|p@ss|pw@/);
    expect(stripUrlCredentials(url)).toBe(stripped);
  });

  it.each(['http://192.168.25.165:11434/api', 'http://h/a@b', 'http://h?x=a@b', 'mailto:a@b', 'user@host', 'http://u:@h/', ''])(
    '%s carries none and is returned as is',
    (value) => {
      expect(urlHasCredentials(value)).toBe(false);
      expect(maskUrlCredentials(value)).toBe(value);
    },
  );
});
