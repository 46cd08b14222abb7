/**
 * What a command hands back and how it is printed: one JSON object with `--json`, otherwise its
 * output (a hexdump, a table, raw bytes) and its summary (a person's "wrote 300 bytes ..." line).
 * Also waits for standard output to drain before the process exits, so a pipe never loses the tail
 * of a large dump.
 *
 * Where things go: when a command writes its data to standard output (`--out -`), everything else
 * (the summary, the JSON result, errors) goes to standard error, so the data stream holds the data
 * and nothing more. `--quiet` drops summaries; data and errors are always printed.
 */
import { errorJson, errorText, exitCodeOf, EXIT, type ExitCode } from './errors';

export interface CommandResult {
  /** The machine-readable result (`--json`). */
  readonly data: Readonly<Record<string, unknown>>;
  /** The command's output (a hexdump, a table, raw bytes), written as it is. Omitted: none. */
  readonly text?: string | Uint8Array | undefined;
  /** A message for a person about what was done; dropped by `--quiet`. */
  readonly summary?: string | undefined;
  readonly exitCode?: ExitCode | undefined;
}

/** How a command's results are printed: set from the global options before the command runs. */
export interface OutputRoute {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly debug: boolean;
  /** The command writes its data to standard output: messages go to standard error. */
  readonly dataOnStdout: boolean;
}

function write(stream: NodeJS.WriteStream, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => stream.write(chunk, () => resolve()));
}

export async function printResult(r: CommandResult, o: OutputRoute): Promise<ExitCode> {
  const messages = o.dataOnStdout ? process.stderr : process.stdout;
  if (o.json) {
    await write(messages, `${JSON.stringify(r.data)}\n`);
  } else {
    if (r.text !== undefined && r.text.length > 0) await write(process.stdout, r.text);
    if (r.summary && !o.quiet) await write(messages, r.summary);
  }
  return r.exitCode ?? EXIT.OK;
}

export async function printError(e: unknown, o: Pick<OutputRoute, 'json' | 'debug' | 'dataOnStdout'>): Promise<ExitCode> {
  if (o.json) await write(o.dataOnStdout ? process.stderr : process.stdout, `${JSON.stringify(errorJson(e))}\n`);
  if (!o.json || o.debug) await write(process.stderr, `${errorText(e, o.debug)}\n`);
  return exitCodeOf(e);
}
