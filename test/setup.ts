/**
 * Runs before each test file: new password hashes cost the least the verifier accepts
 * (scrypt N = 2^10 rather than the default 2^15, ~7 ms of CPU rather than ~0.2 s each).
 * The format, the verification and the default cost are tested in
 * src/auth/passwords.test.ts and src/config/config.test.ts; the servers the tests start
 * get the same setting (test/helpers/process.ts).
 */
import { MIN_PASSWORD_HASH_COST, setPasswordHashCost } from '../src/auth/passwords.js';

setPasswordHashCost(MIN_PASSWORD_HASH_COST);
