import { describe, expect, it } from 'vitest';
import { resealText } from './key-rotation.js';

const OLD = 'a'.repeat(16);
const NEW = 'b'.repeat(16);
const c1 = `$ap1$${OLD}$AAAA`;
const c2 = `$ap1$${NEW}$BBBB`;

describe('resealText', () => {
  it('replaces the ciphertext and its key_id, keeping every other byte (spacing, key order)', () => {
    const text = `{ "z": 1,\n  "property_map": {"settings": {"password": {"value": "${c1}", "encrypted": true,  "key_id" :  "${OLD}"}}}}`;
    const expected = { z: 1, property_map: { settings: { password: { value: c2, encrypted: true, key_id: NEW } } } };
    expect(resealText(text, expected, [[c1, c2]], [OLD], NEW)).toBe(text.replace(c1, c2).replace(`"${OLD}"`, `"${NEW}"`));
  });

  it('falls back to the canonical text when the replaced text would not be the expected body', () => {
    // The old key id also appears in a field that is not a key_id of a moved secret.
    const text = `{"note": "${c1}", "p": {"value": "${c1}"}}`;
    const expected = { note: c1, p: { value: c2 } };
    expect(resealText(text, expected, [[c1, c2]], [OLD], NEW)).toBe(JSON.stringify(expected));
  });
});
