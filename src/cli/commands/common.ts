/** What every client command shares: its standard options, help examples, error handling and exit. */
import type { Command } from 'commander';
import { Api } from '../client.js';
import { resolveSession } from '../credentials.js';
import { CliError, createOutput, errorLine, type Output } from '../output.js';

export interface CommonOptions {
  json?: boolean;
  color?: boolean;
}

/** A client command: `--json`, `--no-color`, and examples under its help. */
export function clientCommand(parent: Command, spec: string, description: string, examples: string[], isDefault = false): Command {
  return parent
    .command(spec, { isDefault })
    .description(description)
    .option('--json', 'machine-readable output (JSON on standard output)')
    .option('--no-color', 'no colour (also off when standard output is not a terminal, or NO_COLOR is set)')
    .addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/** The API of the server the environment or the saved login names. */
export const connect = (): Api => Api.of(resolveSession());

function finish(code: number): void {
  // Let what was written reach its reader before exiting (open sockets must not keep the process up).
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/**
 * Runs a command's body with its options and output; its result is the exit code (0 when
 * nothing is returned). An error is one line on standard error — `assetport: code: message`
 * — and under --json also `{"error": …}` on standard output.
 */
export function runAction<O extends CommonOptions>(body: (out: Output, opts: O, args: string[]) => Promise<number | void>) {
  return async (...params: unknown[]): Promise<void> => {
    const cmd = params[params.length - 1] as Command;
    const opts = cmd.opts<O>();
    const out = createOutput(opts);
    try {
      finish((await body(out, opts, cmd.args)) ?? 0);
    } catch (e) {
      const { line, exitCode } = errorLine(e);
      if (out.json) out.data({ error: e instanceof CliError ? { code: e.code, message: e.message, ...(e.problem ?? {}) } : { code: 'internal', message: String(e) } });
      process.stderr.write(`${line}\n`);
      finish(exitCode);
    }
  };
}
