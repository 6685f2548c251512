/**
 * How the client commands speak: one-line errors with a stable code, JSON or text on
 * standard output, colour only on a terminal (never with NO_COLOR or --no-color).
 */
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/** An error a user can act on: printed as `assetport: <code>: <message>`, no stack trace. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
    /** The server's problem document, when the error is one (shown under --json). */
    readonly problem?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad usage of a command: exit code 2, like the other usage errors. */
export const usageError = (message: string): CliError => new CliError('usage', message, 2);

/** The single line an error is shown as, and the exit code it ends the command with. */
export function errorLine(e: unknown): { line: string; exitCode: number } {
  if (e instanceof CliError) return { line: `assetport: ${e.code}: ${oneLine(e.message)}`, exitCode: e.exitCode };
  const message = e instanceof Error ? e.message : String(e);
  return { line: `assetport: internal: ${oneLine(message)}`, exitCode: 1 };
}

const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

export interface Output {
  readonly json: boolean;
  readonly color: Colors;
  /** Writes a line (or lines) of text to standard output. */
  line(text?: string): void;
  /** Writes a value as JSON to standard output. */
  data(value: unknown): void;
  /** Writes a line to standard error (progress and notes that are not the result). */
  note(text: string): void;
}

/** Whether to colour a stream: a terminal, and neither NO_COLOR nor --no-color. */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, flag: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

export function createOutput(opts: { json?: boolean; color?: boolean }, env: NodeJS.ProcessEnv = process.env): Output {
  const json = opts.json === true;
  const color = pc.createColors(!json && colorEnabled(process.stdout, env, opts.color !== false));
  return {
    json,
    color,
    line: (text = '') => void process.stdout.write(`${text}\n`),
    data: (value) => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    note: (text) => void process.stderr.write(`${text}\n`),
  };
}
