/**
 * Property-based fuzzing of the name validators: any value at all (not only strings) gets
 * `null` or a sentence, never an exception; a name that passes contains none of the
 * forbidden characters and keeps to its length; and the rules are stable (the same answer
 * twice).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkApiName, checkAssetName, checkInstanceName, checkOrgName, checkProjectName, checkProjectSpaceName, checkRomaName, checkSnapLogicAssetName, checkUserName, checkVersionName, isValidRomaUploadName } from './names.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

const CHECKS: Array<[string, (v: unknown) => string | null, number]> = [
  ['api', checkApiName, 256],
  ['version', checkVersionName, 256],
  ['project space', checkProjectSpaceName, 256],
  ['project', checkProjectName, 256],
  ['roma', (v) => checkRomaName(v), 64],
  ['org', checkOrgName, 64],
  ['instance', checkInstanceName, 64],
  ['user', checkUserName, 64],
  ['snaplogic asset', checkSnapLogicAssetName, 256],
  ['Pipeline', (v) => checkAssetName('snaplogic', 'Pipeline', v), 256],
  ['Expression', (v) => checkAssetName('snaplogic', 'Expression', v), 256],
  ['application', (v) => checkAssetName('roma', 'application', v), 64],
];

const nameLike = fc.string({ unit: fc.oneof(fc.constantFrom('a', 'Z', '0', ' ', '.', '-', '_', '/', '\\', '@', '\u0000', '\u202e', '\u2028', '\u0085', 'é', '\u0301', '\ud83d\udca9', '\ud800', '.expr'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }), fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' })), maxLength: 300 });
const anything = fc.oneof(nameLike, fc.anything(), fc.string({ minLength: 250, maxLength: 2000 }));

describe('random values to the name validators', () => {
  it.each(CHECKS)('%s: null or a sentence, never an exception; what passes is clean', (_, check, max) => {
    fc.assert(
      fc.property(anything, (v) => {
        const problem = check(v);
        expect(problem).toBe(check(v));
        if (problem === null) {
          expect(typeof v).toBe('string');
          const s = v as string;
          expect(s.length).toBeGreaterThan(0);
          expect([...s].length).toBeLessThanOrEqual(max);
          expect(s).not.toMatch(FORBIDDEN);
          expect(s).toBe(s.trim());
        } else {
          expect(typeof problem).toBe('string');
          expect(problem.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 600, seed: SEED },
    );
  });

  it('ROMA upload file names: a boolean for any text', () => {
    fc.assert(
      fc.property(nameLike, (s) => {
        const ok = isValidRomaUploadName(s);
        if (ok) expect(s).toMatch(/^[A-Za-z0-9][A-Za-z0-9+_-]*\.zip$/);
      }),
      { numRuns: 600, seed: SEED },
    );
  });
});
