import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import { KeyRing, keyIdOf } from '../secrets/key-ring.js';
import {
  SECRET_MASK,
  applyAccountOverride,
  findSecretFields,
  maskSecrets,
  mergeMaskedSecrets,
  sealSecrets,
  secretKeyIds,
  undecryptableSecretFields,
} from './secret-fields.js';

const ring = KeyRing.fromMasterKeys([Buffer.alloc(32, 1)]);
const otherRing = KeyRing.fromMasterKeys([Buffer.alloc(32, 2)]);

type Body = { property_map: { settings: Record<string, unknown>; info?: Record<string, unknown> }; [k: string]: unknown };

const account = (settings: Record<string, unknown>, extra: Record<string, unknown> = {}): Body => ({
  class_id: 'com-snaplogic-snaps-jdbc-postgres',
  ...extra,
  property_map: { info: { label: { value: 'pg prod' } }, settings },
});

const settingsOf = (b: unknown): Record<string, Record<string, unknown>> =>
  (b as Body).property_map.settings as Record<string, Record<string, unknown>>;

function expectDomainError(fn: () => unknown, forbidden: string[] = []): DomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    const err = e as DomainError;
    expect(err.code).toBe('invalid_request');
    for (const f of forbidden) {
      expect(err.message).not.toContain(f);
      expect(JSON.stringify(err.details ?? {})).not.toContain(f);
    }
    return err;
  }
  throw new Error('expected a DomainError');
}

describe('findSecretFields', () => {
  it('finds registry fields (any case) and fields flagged encrypted, with a value', () => {
    const body = account({
      username: { value: 'admin' },
      password: { value: 'pw' },
      Token: 'tok',
      api_pin: { value: '1234', encrypted: true },
      refresh_token: null,
      secret: { value: null },
      host: { value: 'db', encrypted: false },
    });
    expect(findSecretFields('Account', body)).toEqual(['password', 'Token', 'api_pin']);
    expect(findSecretFields('datasource', body)).toEqual(['password', 'Token', 'api_pin']);
    // a type without registry secrets still honours encrypted: true
    expect(findSecretFields('Pipeline', body)).toEqual(['api_pin']);
  });

  it('copes with bodies of other shapes', () => {
    for (const b of [null, undefined, 'x', 42, [], {}, { property_map: null }, { property_map: { settings: [] } }]) {
      expect(findSecretFields('Account', b)).toEqual([]);
    }
  });
});

describe('sealSecrets', () => {
  it('encrypts plain values in every accepted form and records the key id', () => {
    const body = account({
      username: { value: 'admin' },
      password: 'pw-string',
      client_secret: { value: 'cs', expression: false },
      api_pin: { value: 'pin', encrypted: true },
    });
    const sealed = sealSecrets('Account', body, ring);
    const s = settingsOf(sealed);
    expect(s['username']).toEqual({ value: 'admin' });
    for (const [field, plain] of [['password', 'pw-string'], ['client_secret', 'cs'], ['api_pin', 'pin']] as const) {
      expect(s[field]).toMatchObject({ encrypted: true, key_id: ring.currentKeyId });
      expect(ring.decrypt(s[field]?.['value'] as string)).toBe(plain);
      expect(JSON.stringify(sealed)).not.toContain(`"${plain}"`);
    }
    expect(s['client_secret']?.['expression']).toBe(false); // other keys kept
    expect(sealed).not.toBe(body);
    expect(body.property_map.settings['password']).toBe('pw-string'); // input untouched
  });

  it('keeps an existing ciphertext byte for byte, even under a key this ring lacks', () => {
    const foreign = otherRing.encrypt('elsewhere');
    const own = ring.encrypt('here');
    const body = account({ password: { value: foreign, encrypted: true, key_id: 'stale' }, secret: own });
    const s = settingsOf(sealSecrets('Account', body, ring));
    expect(s['password']).toEqual({ value: foreign, encrypted: true, key_id: otherRing.currentKeyId });
    expect(s['secret']).toEqual({ value: own, encrypted: true, key_id: ring.currentKeyId });
  });

  it('never takes a broken ciphertext for plain text: malformed, or altered under a key it holds', () => {
    const own = ring.encrypt('here');
    const raw = Buffer.from(own.split('$')[3] as string, 'base64url');
    raw[20] = (raw[20] as number) ^ 1;
    const altered = `$ap1$${ring.currentKeyId}$${raw.toString('base64url')}`;
    for (const bad of ['$ap1$ffffffffffffffff$AAAA', `$ap1$${ring.currentKeyId}$AAAA`, `$ap1$${ring.currentKeyId}$!!!!`, '$ap1$', altered]) {
      const err = expectDomainError(() => sealSecrets('Account', account({ password: { value: bad, encrypted: true, key_id: ring.currentKeyId } }), ring), [bad]);
      expect(err.message).toContain("'password'");
      expectDomainError(() => sealSecrets('Pipeline', account({ anything: { value: bad, encrypted: true } }), ring), [bad]);
    }
  });

  it('is idempotent', () => {
    const once = sealSecrets('Account', account({ password: 'pw' }), ring);
    expect(sealSecrets('Account', once, ring)).toEqual(once);
  });

  it('leaves null and absent values alone', () => {
    const body = account({ password: null, secret: { value: null }, token: { value: null, encrypted: true } });
    const s = settingsOf(sealSecrets('Account', body, ring));
    expect(s['password']).toBeNull();
    expect(s['secret']).toEqual({ value: null });
    expect(s['token']).toEqual({ value: null, encrypted: true });
    expect('access_token' in s).toBe(false);
  });

  it('stringifies numbers and booleans; refuses objects and arrays without echoing them', () => {
    const s = settingsOf(sealSecrets('Account', account({ password: 1234, passphrase: { value: false } }), ring));
    expect(ring.decrypt(s['password']?.['value'] as string)).toBe('1234');
    expect(ring.decrypt(s['passphrase']?.['value'] as string)).toBe('false');
    const err = expectDomainError(() => sealSecrets('Account', account({ password: { value: { nested: 'hunter2' } } }), ring), ['hunter2']);
    expect(err.message).toContain('password');
    expectDomainError(() => sealSecrets('Account', account({ token: ['hunter2'] }), ring), ['hunter2']);
  });

  it('refuses the mask (the caller forgot mergeMaskedSecrets)', () => {
    const err = expectDomainError(() => sealSecrets('Account', account({ password: { value: SECRET_MASK, encrypted: true } }), ring));
    expect(err.message).toContain('password');
  });

  it('returns other bodies unchanged (copied)', () => {
    const pipeline = { snap_map: { a: { password: 'not a settings field' } } };
    const out = sealSecrets('Pipeline', pipeline, ring);
    expect(out).toEqual(pipeline);
    expect(out).not.toBe(pipeline);
  });
});

describe('maskSecrets', () => {
  it('shows only the mask: no ciphertext, no key id, no plain text', () => {
    const sealed = sealSecrets('Account', account({ username: { value: 'admin' }, password: 'pw', api_pin: { value: 'p', encrypted: true, expression: false }, token: null }), ring);
    const masked = maskSecrets('Account', sealed);
    const s = settingsOf(masked);
    expect(s['password']).toEqual({ value: SECRET_MASK, encrypted: true });
    expect(s['api_pin']).toEqual({ value: SECRET_MASK, encrypted: true });
    expect(s['token']).toBeNull();
    expect(s['username']).toEqual({ value: 'admin' });
    const text = JSON.stringify(masked);
    expect(text).not.toContain('$ap1$');
    expect(text).not.toContain(ring.currentKeyId);
    expect(text).not.toContain('"pw"');
    // also masks plain values that were never sealed
    expect(settingsOf(maskSecrets('datasource', account({ password: 'pw' })))['password']).toEqual({ value: SECRET_MASK, encrypted: true });
  });
});

describe('mergeMaskedSecrets', () => {
  it('GET → edit → PUT keeps the stored secrets and takes the edits', () => {
    const stored = sealSecrets('Account', account({ username: { value: 'admin' }, password: 'pw', api_pin: { value: 'p', encrypted: true } }), ring);
    const got = maskSecrets('Account', stored);
    settingsOf(got)['username'] = { value: 'root' };
    const merged = mergeMaskedSecrets('Account', got, stored);
    const s = settingsOf(merged);
    expect(s['username']).toEqual({ value: 'root' });
    expect(s['password']).toEqual(settingsOf(stored)['password']);
    expect(s['api_pin']).toEqual(settingsOf(stored)['api_pin']);
    // the result can be sealed again without change to the kept secrets
    expect(settingsOf(sealSecrets('Account', merged, ring))['password']).toEqual(settingsOf(stored)['password']);
  });

  it('a new plain value replaces the stored secret; a bare mask string also keeps it', () => {
    const stored = sealSecrets('Account', account({ password: 'old', token: 't' }), ring);
    const incoming = account({ password: { value: 'new' }, token: SECRET_MASK });
    const s = settingsOf(sealSecrets('Account', mergeMaskedSecrets('Account', incoming, stored), ring));
    expect(ring.decrypt(s['password']?.['value'] as string)).toBe('new');
    expect(s['token']).toEqual(settingsOf(stored)['token']);
  });

  it('refuses a mask with nothing stored behind it', () => {
    const err = expectDomainError(() => mergeMaskedSecrets('Account', account({ password: SECRET_MASK }), account({ password: null })));
    expect(err.message).toContain('password');
    expectDomainError(() => mergeMaskedSecrets('Account', account({ password: SECRET_MASK }), undefined));
  });

  it('does not mutate its inputs', () => {
    const stored = sealSecrets('Account', account({ password: 'pw' }), ring);
    const incoming = maskSecrets('Account', stored);
    const [a, b] = [JSON.stringify(stored), JSON.stringify(incoming)];
    mergeMaskedSecrets('Account', incoming, stored);
    expect(JSON.stringify(stored)).toBe(a);
    expect(JSON.stringify(incoming)).toBe(b);
  });
});

describe('secretKeyIds / undecryptableSecretFields', () => {
  it('reports key ids in use and fields the ring cannot decrypt', () => {
    const body = account({
      password: { value: otherRing.encrypt('a'), encrypted: true },
      secret: { value: ring.encrypt('b'), encrypted: true },
      token: { value: otherRing.encrypt('c'), encrypted: true },
      passphrase: 'plain',
      username: { value: 'u' },
    });
    expect(secretKeyIds('Account', body)).toEqual([ring.currentKeyId, otherRing.currentKeyId].sort());
    expect(undecryptableSecretFields('Account', body, ring)).toEqual(['password', 'token']);
    expect(undecryptableSecretFields('Account', body, KeyRing.fromMasterKeys([Buffer.alloc(32, 1), Buffer.alloc(32, 2)]))).toEqual([]);
    expect(secretKeyIds('Account', account({ password: 'plain' }))).toEqual([]);
  });

  it('lists a ciphertext that does not decrypt here even when it names a key the ring holds', () => {
    const own = ring.encrypt('b');
    const raw = Buffer.from(own.split('$')[3] as string, 'base64url');
    raw[13] = (raw[13] as number) ^ 1; // the tag
    const body = account({
      password: { value: '$ap1$ffffffffffffffff$AAAA', encrypted: true, key_id: 'ffffffffffffffff' },
      secret: { value: own, encrypted: true },
      token: { value: `$ap1$${ring.currentKeyId}$${raw.toString('base64url')}`, encrypted: true, key_id: ring.currentKeyId },
      passphrase: { value: `$ap1$${ring.currentKeyId}$not base64`, encrypted: true },
      other: { value: `$ap1$${ring.currentKeyId}$AAAA`, encrypted: true, key_id: ring.currentKeyId },
      username: { value: 'u' },
    });
    expect(undecryptableSecretFields('Account', body, ring)).toEqual(['password', 'token', 'passphrase', 'other']);
    expect(undecryptableSecretFields('Pipeline', body, ring)).toEqual(['password', 'token', 'passphrase', 'other']);
  });
});

describe('applyAccountOverride (file_account)', () => {
  const stored = sealSecrets('Account', account({ username: { value: 'admin' }, password: 'old-pw', port: { value: 5432, expression: false } }, { name: 'pg_prod', snode_id: 'a'.repeat(24) }), ring);

  const template = (): Body => {
    // what accounts_template.json carries: the sealed form
    const t = JSON.parse(JSON.stringify(stored)) as Body;
    return { snode_id: 'a'.repeat(24), name: 'pg_prod', path: '/org/apim/api/1.0', class_id: t['class_id'], property_map: t.property_map } as Body;
  };

  it('replaces values, seals plain-text secrets, keeps the rest', () => {
    const o = template();
    o.property_map.settings['password'] = { value: 'new-pw', encrypted: true, key_id: 'whatever' };
    o.property_map.settings['port'] = { value: 6543 };
    o.property_map.settings['username'] = 'svc';
    const out = applyAccountOverride('Account', stored, o, ring);
    const s = settingsOf(out);
    expect(ring.decrypt(s['password']?.['value'] as string)).toBe('new-pw');
    expect(s['password']?.['key_id']).toBe(ring.currentKeyId);
    expect(s['port']).toEqual({ value: 6543, expression: false });
    expect(s['username']).toEqual({ value: 'svc' });
    expect((out as Body)['name']).toBe('pg_prod');
    expect(JSON.stringify(out)).not.toContain('new-pw');
  });

  it('an unchanged template entry (ciphertext kept) changes nothing', () => {
    expect(applyAccountOverride('Account', stored, template(), ring)).toEqual(stored);
  });

  it('a ciphertext this deployment cannot decrypt (left as exported elsewhere) is refused, naming the account and field', () => {
    const o = template();
    o.property_map.settings['password'] = { value: otherRing.encrypt('elsewhere'), encrypted: true, key_id: otherRing.currentKeyId };
    const e = expectDomainError(() => applyAccountOverride('Account', stored, o, ring));
    expect(e.message).toContain("account 'pg_prod'");
    expect(e.message).toContain("secret field 'password'");
    expect(e.message).not.toContain('elsewhere');
  });

  it('a masked secret keeps the stored one', () => {
    const o = template();
    o.property_map.settings['password'] = { value: SECRET_MASK, encrypted: true };
    expect(settingsOf(applyAccountOverride('Account', stored, o, ring))['password']).toEqual(settingsOf(stored)['password']);
  });

  it('info values may be changed, unknown info keys are refused', () => {
    const o = template();
    o.property_map.info = { label: { value: 'pg staging' } };
    expect((applyAccountOverride('Account', stored, o, ring) as Body).property_map.info).toEqual({ label: { value: 'pg staging' } });
    o.property_map.info = { colour: { value: 'red' } };
    expect(expectDomainError(() => applyAccountOverride('Account', stored, o, ring)).message).toContain('colour');
  });

  it('refuses a different shape, naming account and field but no value', () => {
    const extra = template();
    extra.property_map.settings['hostname'] = { value: 'db.internal.secret-host' };
    const err = expectDomainError(() => applyAccountOverride('Account', stored, extra, ring), ['db.internal.secret-host', 'old-pw']);
    expect(err.message).toContain('pg_prod');
    expect(err.message).toContain('hostname');
    expect(err.details).toMatchObject({ account: 'pg_prod', field: 'hostname' });

    const missing = template();
    missing.property_map.settings['password'] = undefined as unknown;
    delete missing.property_map.settings['password'];
    missing.property_map.settings['username'] = { value: 'top-secret-user' };
    const err2 = expectDomainError(() => applyAccountOverride('Account', stored, missing, ring, 'label-from-caller'), ['top-secret-user']);
    expect(err2.message).toContain('label-from-caller');
    expect(err2.message).toContain('password');

    expectDomainError(() => applyAccountOverride('Account', stored, { name: 'x' }, ring));
    expectDomainError(() => applyAccountOverride('Account', stored, { property_map: { settings: 'nope' } }, ring));
    expectDomainError(() => applyAccountOverride('Account', stored, null, ring));
    const otherClass = template();
    otherClass['class_id'] = 'com-snaplogic-snaps-other';
    expectDomainError(() => applyAccountOverride('Account', stored, otherClass, ring), ['com-snaplogic-snaps-other']);
  });

  it('refuses non-scalar secrets without echoing them', () => {
    const o = template();
    o.property_map.settings['password'] = { value: ['hunter2'] };
    const err = expectDomainError(() => applyAccountOverride('Account', stored, o, ring), ['hunter2']);
    expect(err.message).toContain('password');
  });

  it('does not mutate its inputs', () => {
    const o = template();
    o.property_map.settings['password'] = 'new';
    const [a, b] = [JSON.stringify(stored), JSON.stringify(o)];
    applyAccountOverride('Account', stored, o, ring);
    expect(JSON.stringify(stored)).toBe(a);
    expect(JSON.stringify(o)).toBe(b);
  });
});

describe('prototype safety', () => {
  it('__proto__ and constructor keys stay ordinary data and never reach a prototype', () => {
    const text = '{"property_map":{"settings":{"__proto__":{"value":"x","encrypted":true,"polluted":true},"constructor":{"value":"y","encrypted":true},"password":"pw"}},"__proto__":{"polluted":true}}';
    const body = JSON.parse(text) as unknown;
    const sealed = sealSecrets('Account', body, ring);
    const s = settingsOf(sealed);
    expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
    expect(Object.keys(s)).toEqual(['__proto__', 'constructor', 'password']);
    expect(Object.getOwnPropertyDescriptor(s, '__proto__')?.value).toMatchObject({ encrypted: true, key_id: ring.currentKeyId });
    expect(ring.decrypt((Object.getOwnPropertyDescriptor(s, '__proto__')?.value as { value: string }).value)).toBe('x');
    expect(ring.decrypt((s['constructor'] as { value: string }).value)).toBe('y');
    expect(findSecretFields('Account', body)).toEqual(['__proto__', 'constructor', 'password']);

    const masked = maskSecrets('Account', body);
    expect(Object.getOwnPropertyDescriptor(settingsOf(masked), '__proto__')?.value).toEqual({ value: SECRET_MASK, encrypted: true });
    const merged = mergeMaskedSecrets('Account', masked, sealed);
    expect(Object.getOwnPropertyDescriptor(settingsOf(merged), '__proto__')?.value).toEqual(Object.getOwnPropertyDescriptor(s, '__proto__')?.value);

    const override = JSON.parse(text.replace('"pw"', '"pw2"')) as unknown;
    const applied = applyAccountOverride('Account', sealed, override, ring);
    expect(Object.getPrototypeOf(settingsOf(applied))).toBe(Object.prototype);

    // nothing leaked into Object.prototype
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['value']).toBeUndefined();
    expect(({} as Record<string, unknown>)['encrypted']).toBeUndefined();
  });

  it('a settings key named constructor is not mistaken for Object when absent', () => {
    const body = account({ password: 'pw' });
    const o = { property_map: { settings: { password: 'x', constructor: { value: 'c' } } } };
    expectDomainError(() => applyAccountOverride('Account', sealSecrets('Account', body, ring), o, ring));
    expect(findSecretFields('Account', account({ hasOwnProperty: 'x' }))).toEqual([]);
  });
});

describe('keyIdOf on sealed fields', () => {
  it('matches key_id', () => {
    const s = settingsOf(sealSecrets('Account', account({ password: 'pw' }), ring));
    expect(keyIdOf(s['password']?.['value'])).toBe(s['password']?.['key_id']);
  });
});
