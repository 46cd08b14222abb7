/**
 * The boards the benchmark boots, written as devicetree source: the bench board (an AT25256 on a
 * simulated SPI bus and an AT24C256 on a simulated I2C bus, each with its driver thread), with or
 * without the mock buses' timing model, and the scale board (eight AT25256s on eight buses of
 * their own, and eight more sharing one bus). Generated rather than kept as files so that the
 * timed and untimed variants cannot drift apart; each is written to a temporary file once.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTree } from '../src/devicetree';
import type { DtTree } from '../src/devicetree/tree';

/** The bench board's clocks: SPI device clock and I2C bus clock, in Hz. */
export const BENCH_SPI_HZ = 5_000_000;
export const BENCH_I2C_HZ = 400_000;
/** AT25256 and AT24C256: 32 KiB, 64-byte pages. */
export const BENCH_PART_BYTES = 32768;
export const SCALE_MAX_THREADS = 8;

let dir: string | undefined;

function write(name: string, source: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'hilbridge-bench-'));
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

const at25 = (label: string, reg: number, writeCycle: string): string => `
		${label}: eeprom@${reg} {
			compatible = "atmel,at25";
			reg = <${reg}>;
			spi-max-frequency = <${BENCH_SPI_HZ}>;
			size = <${BENCH_PART_BYTES}>;
			pagesize = <64>;
			address-width = <16>;
			timeout = <25>;${writeCycle}
		};`;

/**
 * The bench board. Untimed: the buses take no time and the parts' write cycle is 0, so every
 * figure is software. Timed: the timing model on both buses and the parts' datasheet write cycle
 * (5 ms), so a whole-part operation costs what it would on a Raspberry Pi.
 */
export function benchBoardSource(timed: boolean): string {
  const timing = timed ? '\n\t\thilbridge,timing-model;' : '';
  const cycle = timed ? '' : '\n\t\t\thilbridge,model-write-cycle-us = <0>;';
  return `/dts-v1/;
/* hilbridge benchmark board (${timed ? 'timing model on: the buses cost what a Raspberry Pi would' : 'no wire time, write cycle 0: software only'}) */
/ {
	model = "hilbridge benchmark board${timed ? ', timed' : ''}";
	compatible = "hilbridge,mock-board";
	#address-cells = <1>;
	#size-cells = <0>;

	spi0: spi@0 {
		compatible = "hilbridge,mock-spi";
		reg = <0>;
		#address-cells = <1>;
		#size-cells = <0>;
		max-transfer-bytes = <4096>;${timing}
${at25('eeprom0', 0, cycle)}
	};

	i2c0: i2c@1 {
		compatible = "hilbridge,mock-i2c";
		reg = <1>;
		#address-cells = <1>;
		#size-cells = <0>;
		clock-frequency = <${BENCH_I2C_HZ}>;
		max-transfer-bytes = <4096>;${timing}

		eeprom1: eeprom@50 {
			compatible = "atmel,at24";
			reg = <0x50>;
			size = <${BENCH_PART_BYTES}>;
			pagesize = <64>;
			address-width = <16>;
			timeout = <25>;${cycle}
		};
	};

	threads {
		compatible = "hilbridge,threads";
		eeprom0-driver {
			compatible = "hilbridge,user-thread";
			program = "eeprom-server";
			hilbridge,grants = <&eeprom0>;
			hilbridge,serves = <&eeprom0>;
			restart = "never";
		};
		eeprom1-driver {
			compatible = "hilbridge,user-thread";
			program = "eeprom-server";
			hilbridge,grants = <&eeprom1>;
			hilbridge,serves = <&eeprom1>;
			restart = "never";
		};
	};
};
`;
}

const cache = new Map<string, string>();

/** The bench board as a file (written once per process). */
export function benchBoardFile(timed: boolean): string {
  const key = timed ? 'bench-timed.dts' : 'bench.dts';
  let f = cache.get(key);
  if (!f) cache.set(key, (f = write(key, benchBoardSource(timed))));
  return f;
}

/**
 * The scale board: devices sep0..sep7, each alone on its own simulated SPI bus, and shared0..
 * shared7 on one bus (chip selects 0..7). No threads: the suite spawns its own. Untimed.
 */
export function scaleBoardSource(): string {
  const cycle = '\n\t\t\thilbridge,model-write-cycle-us = <0>;';
  const buses: string[] = [];
  for (let i = 0; i < SCALE_MAX_THREADS; i++) {
    buses.push(`
	spi${i}: spi@${i} {
		compatible = "hilbridge,mock-spi";
		reg = <${i}>;
		#address-cells = <1>;
		#size-cells = <0>;
		max-transfer-bytes = <4096>;
${at25(`sep${i}`, 0, cycle)}
	};`);
  }
  const shared = Array.from({ length: SCALE_MAX_THREADS }, (_, i) => at25(`shared${i}`, i, cycle)).join('\n');
  return `/dts-v1/;
/* hilbridge scale board: ${SCALE_MAX_THREADS} AT25256s on separate buses, ${SCALE_MAX_THREADS} on one shared bus */
/ {
	model = "hilbridge scale board";
	compatible = "hilbridge,mock-board";
	#address-cells = <1>;
	#size-cells = <0>;
${buses.join('\n')}

	spishared: spi@${SCALE_MAX_THREADS} {
		compatible = "hilbridge,mock-spi";
		reg = <${SCALE_MAX_THREADS}>;
		#address-cells = <1>;
		#size-cells = <0>;
		max-transfer-bytes = <4096>;
${shared}
	};
};
`;
}

export function scaleBoardFile(): string {
  let f = cache.get('scale.dts');
  if (!f) cache.set('scale.dts', (f = write('scale.dts', scaleBoardSource())));
  return f;
}

export function loadBoard(file: string, includeDirs: readonly string[] = []): DtTree {
  return loadTree(file, { includeDirs: [...includeDirs] });
}
