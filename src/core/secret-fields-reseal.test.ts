import { describe, expect, it } from 'vitest';
import { KeyRing, keyIdOf } from '../secrets/key-ring.js';
import { resealSecrets, sealSecrets, sealedSecretValues } from './secret-fields.js';

const oldRing = KeyRing.fromMasterKeys([Buffer.alloc(32, 1)]);
const both = KeyRing.fromMasterKeys([Buffer.alloc(32, 2), Buffer.alloc(32, 1)]);
const stranger = KeyRing.fromMasterKeys([Buffer.alloc(32, 3)]);

const account = (ring: KeyRing) =>
  sealSecrets('Account', { name: 'db', property_map: { settings: { username: { value: 'app' }, password: { value: 'pw', expression: false } }, info: { n: 1 } } }, ring);

describe('resealSecrets', () => {
  it('moves every secret under another held key to the current key, keeping every other key of the field', () => {
    const body = account(oldRing);
    const r = resealSecrets('Account', body, both);
    const field = r.body.property_map.settings.password as unknown as { value: string; key_id: string; encrypted: boolean; expression: boolean };
    expect(keyIdOf(field.value)).toBe(both.currentKeyId);
    expect(field).toMatchObject({ key_id: both.currentKeyId, encrypted: true, expression: false });
    expect(both.decrypt(field.value)).toBe('pw');
    expect(r.moved).toEqual([[(body.property_map.settings.password as unknown as { value: string }).value, field.value]]);
    expect(r.body.property_map.settings.username).toEqual({ value: 'app' });
    expect(r.body.property_map.info).toEqual({ n: 1 });
    expect(r.unreadable).toBe(0);
  });

  it('leaves values under the current key, and counts values the ring cannot open without touching them', () => {
    expect(resealSecrets('Account', account(both), both).moved).toEqual([]);
    const lost = account(stranger);
    const r = resealSecrets('Account', lost, both);
    expect(r).toEqual({ body: lost, moved: [], unreadable: 1 });
  });

  it('does not mutate its input', () => {
    const body = account(oldRing);
    const copy = JSON.stringify(body);
    resealSecrets('Account', body, both);
    expect(JSON.stringify(body)).toBe(copy);
  });
});

describe('sealedSecretValues', () => {
  it('lists the sealed values of secret fields only, readable or not', () => {
    const body = account(stranger);
    const values = sealedSecretValues('Account', body);
    expect(values.map(keyIdOf)).toEqual([stranger.currentKeyId]);
    expect(sealedSecretValues('Account', { property_map: { settings: { host: '$ap1$ not a secret field' } } })).toEqual([]);
  });
});
