/**
 * A small board for kernel tests: two AT25 parts on one mock SPI bus, a driver thread serving
 * eeprom0, and fast write cycles. Booted from DTS text, so tests do not depend on dts/mock.dts.
 */
import { join } from 'node:path';
import { parseDts } from '../../src/devicetree';
import { Kernel, type BootOptions } from '../../src/kernel/kernel';

export const TEST_BOARD = `/dts-v1/;
/ {
	model = "kernel test board";
	gpio0: gpio@9 {
		compatible = "hilbridge,mock-gpio";
		reg = <9>;
		gpio-controller;
		#gpio-cells = <2>;
		ngpios = <8>;
	};
	spi0: spi@0 {
		compatible = "hilbridge,mock-spi";
		reg = <0>;
		#address-cells = <1>;
		#size-cells = <0>;
		max-transfer-bytes = <4096>;
		eeprom0: eeprom@0 {
			compatible = "atmel,at25";
			reg = <0>;
			spi-max-frequency = <5000000>;
			size = <32768>;
			pagesize = <64>;
			address-width = <16>;
			timeout = <20>;
			hilbridge,model-write-cycle-us = <200>;
		};
		eeprom2: eeprom@1 {
			compatible = "atmel,at25";
			reg = <1>;
			spi-max-frequency = <2000000>;
			size = <8192>;
			pagesize = <32>;
			address-width = <16>;
			hilbridge,model-write-cycle-us = <200>;
			wp-gpios = <&gpio0 3 1>; /* active low, as the AT25's WP pin is */
			hold-gpios = <&gpio0 4 1>; /* active low, as HOLD is */
		};
	};
	i2c0: i2c@1 {
		compatible = "hilbridge,mock-i2c";
		reg = <1>;
		#address-cells = <1>;
		#size-cells = <0>;
		eeprom1: eeprom@50 {
			compatible = "atmel,at24";
			reg = <0x50>;
			size = <32768>;
			pagesize = <64>;
			hilbridge,model-write-cycle-us = <200>;
		};
	};
	threads {
		compatible = "hilbridge,threads";
		eeprom0_driver: eeprom0-driver {
			compatible = "hilbridge,user-thread";
			program = "eeprom-server";
			hilbridge,grants = <&eeprom0>;
			hilbridge,serves = <&eeprom0>;
			restart = "backoff";
		};
	};
};
`;

export const HOSTILE = join(__dirname, '..', 'fixtures', 'programs', 'hostile.js');

export async function bootTestKernel(opts: Partial<BootOptions> = {}): Promise<Kernel> {
  return Kernel.boot({ tree: parseDts(TEST_BOARD, 'kernel-test-board.dts'), ...opts });
}

/** Collects the next `n` reports a thread sends. */
export function reports(k: Kernel, thread: string, n = 1): Promise<unknown[]> {
  return new Promise((resolve) => {
    const got: unknown[] = [];
    const on = (name: string, data: unknown): void => {
      if (name !== thread) return;
      got.push(data);
      if (got.length === n) {
        k.off('report', on);
        resolve(got);
      }
    };
    k.on('report', on);
  });
}
