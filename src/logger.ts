/** JSON logs (pino) with secrets redacted wherever they could appear. */
import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config/config.js';

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'req.headers["x-security-token"]',
  'req.headers.cookie',
  'res.headers["x-subject-token"]',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'secret_key',
  '*.secret_key',
  'masterKey',
  '*.masterKey',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'assetport' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
