import { generatePassword } from 'envkit';

const PUNCTUATION = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];

/**
 * Values a deployment may need to store: generated passwords, URLs, every ASCII punctuation character alone,
 * in pairs and inside words, unicode, spaces, quotes, `$`, `#`, backslashes, newlines. Deterministic apart from
 * the generated passwords.
 */
export function valueCorpus(): string[] {
  const values = new Set<string>();
  for (let i = 0; i < 40; i++) values.add(generatePassword());
  for (let i = 0; i < 10; i++) values.add(generatePassword({ length: 64 }));
  for (const p of PUNCTUATION) {
    values.add(p);
    values.add(`a${p}b`);
    values.add(`${p}start`);
    values.add(`end${p}`);
    values.add(`pa ${p} ss`);
    for (const q of PUNCTUATION) values.add(`x${p}${q}y`);
  }
  for (const v of [
    'https://openrouter.ai/api/v1',
    'http://192.168.25.165:11434/api',
    'postgresql+psycopg://memu_production_user:abc-DEF_123@db:5432/memu_db',
    'https://user:p%40ss@example.com:8443/path?q=1&r=2#frag',
    'sk-proj-AbCdEf0123456789_-xyz',
    'sk-or-v1-0123456789abcdef',
    'p@ss:w/rd?%',
    'a~b^c!d*e(f)g[h]i{j}k|l;m<n>o&p?q',
    'pa#ss', 'pa #ss', 'pa$$ss', 'pa$USER', 'pa${HOME}x', '${HOME}', 'a ${X} b', 'pa"ss', 'x\\y', 'ab\\$cd', '`tick`', 'ab${cd',
    "it's", '"quoted"', "'single'", 'both \' and "', 'a\tb', 'line1\nline2', 'trailing ', ' leading', '  ', ' ', 'a\r\nb',
    'a=b', '==', '=', 'ünïcödé', 'пароль', '密码', 'emoji 🔑 key', 'ﬀ ligature', 'a\u00a0nbsp', 'zero\u200bwidth',
    '\\n literal', '\\', '\\\\', '$', '$$', '${', '}', '#', ' #', '# comment', 'value # not a comment',
    'export', 'export X=1', 'K=V', '\'', '"', '`',
  ]) values.add(v);
  return [...values];
}
