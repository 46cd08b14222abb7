/**
 * Real chips described by a board file, for the hardware checks (`npm run test:hw`): each EEPROM
 * node under a controller whose backend is real hardware (spidev, serprog, i2c-dev, …), found
 * through the same backend registry the kernel uses, and opened through the same kernel board
 * builder, with the driver running in the kernel (no syscalls, so a hardware failure is not
 * confused with a kernel one).
 *
 * A chip counts as present when its controller opens: this is what the kernel would do, and it
 * also works under the test suite's LD_PRELOAD emulation, which answers open() but not stat().
 */
import type { EepromConfig } from '../src/abi/device-config';
import { HilError, toHilError } from '../src/abi/errno';
import { at24Config, at25Config, compatibles, eepromFamily, enabledPath, loadTree, walk } from '../src/devicetree';
import { kernelDriverEnv } from '../src/kernel/inkernel';
import { builtinBackends } from '../src/kernel/board/builtin-backends';
import { Kernel } from '../src/kernel/kernel';
import type { Eeprom } from '../src/userdrivers/eeprom';
import { openDriver } from '../src/userdrivers/eeprom-server';

export interface OpenChip {
  readonly eeprom: Eeprom;
  readonly readOnly: boolean;
  close(): Promise<void>;
}

export interface Chip {
  readonly label: string;
  readonly config: EepromConfig;
  /** Opens the chip; `readOnly` overrides the node's read-only flag (the driver then refuses writes). */
  open(opts?: { readonly readOnly?: boolean }): Promise<OpenChip>;
}

/** The board file from `--board FILE` or HILBRIDGE_BOARD. */
export function boardPath(argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf('--board');
  return i >= 0 ? argv[i + 1] : process.env.HILBRIDGE_BOARD;
}

/** Every EEPROM of the board on a real backend (simulated buses are left out). */
export function findChips(file: string): Chip[] {
  const tree = loadTree(file);
  const registry = builtinBackends();
  const chips: Chip[] = [];
  for (const node of walk(tree.root)) {
    const backend = registry.find(compatibles(node));
    if (!backend || backend.simulated || backend.bus === 'gpio' || !enabledPath(node)) continue;
    // The part may be named by a generic or a part compatible ("atmel,at25256"): the one family lookup.
    const family = backend.bus === 'spi' ? 'at25' : 'at24';
    for (const c of node.children.filter((x) => enabledPath(x) && eepromFamily(x) === family)) {
      const config: EepromConfig = backend.bus === 'spi' ? at25Config(c) : at24Config(c);
      const where = config.kind === 'at24' ? ` at 0x${config.address.toString(16)}` : '';
      chips.push({
        label: `${config.name} (${config.kind.toUpperCase()}, ${config.size} bytes)${where} on ${backend.where(node, c, { serialPort: process.env.HILBRIDGE_PORT })}`,
        config,
        open: async (opts = {}) => {
          const kernel = await Kernel.boot({ tree, startThreads: false, watchdog: false, serialPort: process.env.HILBRIDGE_PORT });
          try {
            const readOnly = opts.readOnly ?? config.readOnly;
            const dev = kernel.device(config.name);
            const eeprom = openDriver({ ...config, readOnly }, kernel.deviceApi(dev.name), kernelDriverEnv());
            return { eeprom, readOnly, close: () => kernel.shutdown() };
          } catch (e) {
            await kernel.shutdown();
            throw e;
          }
        },
      });
    }
  }
  return chips;
}

/** Opens and closes a chip: undefined when it is reachable, else why not (ENODEV: absent). */
export async function probeChip(chip: Chip): Promise<HilError | undefined> {
  try {
    const c = await chip.open();
    await c.close();
    return undefined;
  } catch (e) {
    return toHilError(e);
  }
}
