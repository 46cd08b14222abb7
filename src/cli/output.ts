/**
 * What a command hands back and how it is printed: one JSON object with `--json`, human text
 * otherwise (or raw bytes, for `read --format bin`). Also waits for standard output to drain
 * before the process exits, so a pipe never loses the tail of a large dump.
 */
import { errorJson, errorText, exitCodeOf, EXIT, type ExitCode } from './errors';

export interface CommandResult {
  /** The machine-readable result (`--json`). */
  readonly data: Readonly<Record<string, unknown>>;
  /** What a person sees; bytes are written as they are. Omitted: nothing on standard output. */
  readonly text?: string | Uint8Array | undefined;
  readonly exitCode?: ExitCode | undefined;
}

function write(stream: NodeJS.WriteStream, chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => stream.write(chunk, () => resolve()));
}

export async function printResult(r: CommandResult, json: boolean): Promise<ExitCode> {
  if (json) await write(process.stdout, `${JSON.stringify(r.data)}\n`);
  else if (r.text !== undefined && r.text.length > 0) await write(process.stdout, r.text);
  return r.exitCode ?? EXIT.OK;
}

export async function printError(e: unknown, json: boolean, debug: boolean): Promise<ExitCode> {
  if (json) await write(process.stdout, `${JSON.stringify(errorJson(e))}\n`);
  if (!json || debug) await write(process.stderr, `${errorText(e, debug)}\n`);
  return exitCodeOf(e);
}
