/**
 * Runs the built `hilbridge` binary (dist/src/cli/main.js) as a user would: a child process with
 * arguments and an optional environment, collecting standard output (as bytes and text), standard
 * error, the exit code or the signal that ended it, and how long it ran; optionally sending it a
 * signal after a delay. The CLI tests (test/cli/run-cli.ts) and the reliability harnesses that
 * kill or signal the process (test/harness/kill, test/harness/signals) share it, so it uses no
 * Jest (the harnesses build with tsc) and finds the package root as the kernel does, from source
 * or from dist/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/kernel/paths';

export const ROOT = packageRoot();
export const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
  /** From the spawn to the end of the process, in ms. */
  readonly ms: number;
}

export interface RunOptions {
  /** Added to this process's environment; HILBRIDGE_BOARD is dropped unless given here. */
  readonly env?: NodeJS.ProcessEnv;
  readonly nodeArgs?: readonly string[];
  /** Default: the package root. */
  readonly cwd?: string;
  /** Called once the child is running (e.g. to send it a signal later). */
  readonly onSpawn?: (child: ChildProcess) => void;
  readonly onStderr?: (text: string, child: ChildProcess) => void;
  /** Sends `signal` `afterMs` after the start, if the process is still running then. */
  readonly kill?: { readonly signal: NodeJS.Signals; readonly afterMs: number };
}

export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<CliResult> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first with npx tsc -p tsconfig.json`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const env = { ...process.env, ...opts.env };
    if (!opts.env || !('HILBRIDGE_BOARD' in opts.env)) delete env.HILBRIDGE_BOARD;
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), MAIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString('utf8');
      opts.onStderr?.(err, child);
    });
    const kill = opts.kill;
    const timer = kill ? setTimeout(() => child.kill(kill.signal), kill.afterMs) : undefined;
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(out);
      resolve({ code, signal, stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr: err, ms: performance.now() - t0 });
    });
    opts.onSpawn?.(child);
  });
}
