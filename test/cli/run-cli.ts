/**
 * Runs the built `hilbridge` binary (dist/src/cli/main.js) as a user would: a child process with
 * arguments, optional environment and standard input, collecting standard output (as bytes and
 * text), standard error and the exit code. `npm test` builds dist first (the pretest script).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly nodeArgs?: readonly string[];
  readonly cwd?: string;
  /** Called once the child is running (e.g. to send it a signal later). */
  readonly onSpawn?: (child: ChildProcess) => void;
  readonly onStderr?: (text: string, child: ChildProcess) => void;
}

export function runCli(args: readonly string[], opts: RunOptions = {}): Promise<CliResult> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first with npx tsc -p tsconfig.json`);
  return new Promise((resolve, reject) => {
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
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const bytes = Buffer.concat(out);
      resolve({ code, signal, stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr: err });
    });
    opts.onSpawn?.(child);
  });
}

/** Runs with `--json` and parses standard output as exactly one JSON object. */
export async function runJson(args: readonly string[], opts: RunOptions = {}): Promise<CliResult & { json: Record<string, unknown> }> {
  const r = await runCli(['--json', ...args], opts);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return { ...r, json: JSON.parse(lines[0]!) as Record<string, unknown> };
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = 'hilbridge-cli-'): { dir: string; file: (name: string, content?: string | Uint8Array) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name, content) => {
      const p = join(dir, name);
      if (content !== undefined) writeFileSync(p, content);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A one-SPI-EEPROM mock board; `writeCycleUs` sets the model's tWC (fast tests, slow interrupts). */
export function mockBoard(opts: { size?: number; pageSize?: number; writeCycleUs?: number } = {}): string {
  const size = opts.size ?? 4096;
  const page = opts.pageSize ?? 32;
  return `/dts-v1/;
/ {
	model = "cli test board";
	#address-cells = <1>;
	#size-cells = <0>;
	spi0: spi@0 {
		compatible = "hilbridge,mock-spi";
		reg = <0>;
		#address-cells = <1>;
		#size-cells = <0>;
		chip: eeprom@0 {
			compatible = "atmel,at25";
			reg = <0>;
			spi-max-frequency = <5000000>;
			size = <${size}>;
			pagesize = <${page}>;
			address-width = <16>;
			hilbridge,model-write-cycle-us = <${opts.writeCycleUs ?? 100}>;
		};
	};
	threads {
		compatible = "hilbridge,threads";
		chip_driver: chip-driver {
			compatible = "hilbridge,user-thread";
			program = "eeprom-server";
			hilbridge,grants = <&chip>;
			hilbridge,serves = <&chip>;
		};
	};
};
`;
}
