import { describe, it, expect } from 'vitest';
import { parseDocument } from '../dotenv/document.js';
import { memuSchema } from '../schema/memu.js';
import { planInit } from './init.js';
import { setEdit, editText } from './edit.js';
import { confirmValue, isUnconfirmed, markUnconfirmed, unconfirmedKeys, UNCONFIRMED_COMMENT } from './confirm-default.js';

describe('the mark of an unconfirmed default', () => {
  it('goes directly above the key, once, and comes off again, keeping everything else byte for byte', () => {
    const text = '# Ollama\r\nA=1\r\nURL=http://h:1/api\r\nB=2\r\n';
    const doc = parseDocument(text);
    markUnconfirmed(doc, 'URL');
    markUnconfirmed(doc, 'URL');
    expect(doc.toString()).toBe(`# Ollama\r\nA=1\r\n${UNCONFIRMED_COMMENT}\r\nURL=http://h:1/api\r\nB=2\r\n`);
    expect(isUnconfirmed(doc, 'URL')).toBe(true);
    expect(isUnconfirmed(doc, 'A')).toBe(false);
    expect(confirmValue(doc, 'URL')).toBe(true);
    expect(confirmValue(doc, 'URL')).toBe(false);
    expect(doc.toString()).toBe(text);
  });

  it('is never taken from inside a quoted value above, nor from a key assigned twice', () => {
    const quoted = parseDocument(`A="line one\n${UNCONFIRMED_COMMENT}"\nURL=x\n`);
    expect(isUnconfirmed(quoted, 'URL')).toBe(false);
    expect(confirmValue(quoted, 'URL')).toBe(false);
    const twice = parseDocument(`${UNCONFIRMED_COMMENT}\nURL=x\nURL=y\n`);
    expect(isUnconfirmed(twice, 'URL')).toBe(false);
    markUnconfirmed(twice, 'URL');
    expect(twice.toString()).toBe(`${UNCONFIRMED_COMMENT}\nURL=x\nURL=y\n`);
  });

  it('init marks a confirm-default written without asking, in a new file and when completing one; a given value is not marked', () => {
    const fresh = planInit(memuSchema, undefined, {});
    expect(unconfirmedKeys(parseDocument(fresh.text), memuSchema)).toEqual(['OLLAMA_API_BASE_URL']);
    expect(fresh.keys.find((k) => k.key === 'OLLAMA_API_BASE_URL')).toMatchObject({ action: 'default', reason: 'not confirmed for this deployment' });
    // Other defaults (a memory limit, the OpenRouter endpoint) are safe guesses: not marked.
    expect(fresh.text.split(UNCONFIRMED_COMMENT).length).toBe(2);

    const completed = planInit(memuSchema, 'POSTGRES_DB=memu_db\n', {});
    expect(unconfirmedKeys(parseDocument(completed.text), memuSchema)).toEqual(['OLLAMA_API_BASE_URL']);

    const given = planInit(memuSchema, undefined, { OLLAMA_API_BASE_URL: 'http://10.1.1.1:11434/api' });
    expect(given.text).not.toContain(UNCONFIRMED_COMMENT);
  });

  it('setting the value, even to the same one, confirms it', () => {
    const { text } = planInit(memuSchema, undefined, {});
    const same = parseDocument(text).get('OLLAMA_API_BASE_URL') as string;
    const { next, keys } = editText(text, '.env', memuSchema, setEdit({ schema: memuSchema, values: { OLLAMA_API_BASE_URL: same } }));
    expect(next).not.toContain(UNCONFIRMED_COMMENT);
    expect(parseDocument(next).get('OLLAMA_API_BASE_URL')).toBe(same);
    expect(keys).toContainEqual(expect.objectContaining({ key: 'OLLAMA_API_BASE_URL', action: 'updated', reason: 'confirmed for this deployment' }));
  });
});
