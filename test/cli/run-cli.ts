/**
 * Running the built `hilbridge` binary (dist/src/cli/main.js) as a user would, for the CLI tests:
 * runCli (test/helpers/cli-process.ts) and, here, what needs Jest or is for these tests only:
 * --json runs, temporary directories and the one-chip mock board. `npm test` builds dist first
 * (the pretest script).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliResult, type RunOptions, runCli } from '../helpers/cli-process';

export { type CliResult, MAIN, ROOT, type RunOptions, runCli } from '../helpers/cli-process';

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
