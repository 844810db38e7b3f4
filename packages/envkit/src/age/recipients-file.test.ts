import { describe, expect, it } from 'vitest';
import { thrown } from '../../../../test/helpers/errors.js';
import { addRecipientText, findRecipient, parseRecipients, removeRecipientText } from './recipients-file.js';
import { identityProblem, recipientProblem } from './keys.js';

// Real recipients made by age-keygen (public keys only).
const ALICE = 'age1s9x4sax5ezjktk5zs9jxhlm55lskythq6ghtuske3706wmfuug0sj9gtz5';
const BOB = 'age13upwnq9ju4zrpdda52uakkt8y6kaur0c24e8tgz8ds7k7y7j0yas4t0fr5';

describe('recipients file', () => {
  it('reads age recipients with the comment above as the name; blank lines end a name', () => {
    const text = `# header\n\n# alice\n${ALICE}\n\n${BOB}\n`;
    expect(parseRecipients(text, 'r')).toEqual([
      { recipient: ALICE, name: 'alice', line: 4 },
      { recipient: BOB, name: undefined, line: 6 },
    ]);
  });

  it('adds with a header to a new file and keeps every byte of an existing one; removes a line and its name', () => {
    const first = addRecipientText(undefined, ALICE, 'alice');
    expect(first).toMatch(/^# Who can decrypt/);
    expect(first.endsWith(`\n# alice\n${ALICE}\n`)).toBe(true);
    const crlf = `# team\r\n# alice\r\n${ALICE}`;
    const both = addRecipientText(crlf, BOB, 'bob\nmallory');
    expect(both).toBe(`${crlf}\r\n# bob mallory\r\n${BOB}\r\n`);
    const entries = parseRecipients(both, 'r');
    expect(removeRecipientText(both, findRecipient(entries, 'alice', 'r'))).toBe(`# team\r\n# bob mallory\r\n${BOB}\r\n`);
    expect(removeRecipientText(both, findRecipient(entries, BOB, 'r'))).toBe(`${crlf}\r\n`);
  });

  it('refuses other kinds by file:line, a recipient twice, and an unknown name', () => {
    expect(thrown(() => parseRecipients(`${ALICE}\n${ALICE}\n`, 'r')).message).toBe('r:2: this recipient is already listed on line 1');
    expect(thrown(() => parseRecipients(`\n\nage1pq1${'q'.repeat(90)}\n`, 'r')).message).toMatch(/^r:3: a post-quantum hybrid recipient/);
    expect(thrown(() => findRecipient(parseRecipients(`${ALICE}\n`, 'r'), 'carol', 'r')).message).toBe('r lists no recipient "carol"');
  });

  it('names the kind of a wrong key and checks the Bech32 checksum', () => {
    expect(recipientProblem(ALICE)).toBeUndefined();
    expect(recipientProblem(ALICE.replace(/.$/, (c) => (c === 'q' ? 'p' : 'q')))).toMatch(/checksum is wrong/);
    expect(recipientProblem('age1yubikey1qqqqqq')).toMatch(/plugin recipient/);
    expect(recipientProblem('age1tag1qqqq')).toMatch(/tag recipient/);
    expect(recipientProblem('ssh-ed25519 AAAA')).toMatch(/SSH public key/);
    expect(recipientProblem('AGE-SECRET-KEY-1QQQ')).toMatch(/secret identity, not a recipient/);
    expect(recipientProblem('hello')).toMatch(/^not an age recipient/);
    expect(identityProblem('AGE-SECRET-KEY-PQ-1QQQ')).toMatch(/post-quantum/);
    expect(identityProblem(`AGE-SECRET-KEY-1${'Q'.repeat(58)}`)).toMatch(/checksum is wrong/);
    expect(identityProblem(ALICE)).toMatch(/a recipient \(public key\)/);
  });
});
