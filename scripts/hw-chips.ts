/**
 * Real chips described by a board file, for the hardware checks (`npm run test:hw`): each EEPROM
 * node under a spidev, serprog or i2c-dev controller, with a way to open it through its real
 * backend and the same driver code the user threads run (here in-process, with no syscalls, so a
 * hardware failure is not confused with a kernel one).
 *
 * A chip counts as present when its device node can be opened: this is what the backend would do,
 * and it also works under the test suite's LD_PRELOAD emulation, which answers open() but not stat().
 */
import type { At24Config, At25Config, EepromConfig } from '../src/abi/device-config';
import { HilError } from '../src/abi/errno';
import { compatibles, isEnabled, loadTree, walk, type DtNode } from '../src/devicetree';
import { at24Config, at25Config, chipSelect, i2cControllerInfo, isI2cController, isSpiController, spiControllerInfo } from '../src/devicetree/accessors';
import type { I2cController } from '../src/hal/i2c';
import { createI2cDevController } from '../src/hal/i2cdev';
import { createSerprogController } from '../src/hal/serprog';
import type { SpiController } from '../src/hal/spi';
import { createSpidevController } from '../src/hal/spidev';
import type { DriverEnv, I2cDeviceApi, SpiDeviceApi } from '../src/user/device-api';
import { At24Eeprom } from '../src/userdrivers/at24';
import { At25Eeprom } from '../src/userdrivers/at25';
import type { Eeprom } from '../src/userdrivers/eeprom';

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

const env: DriverEnv = {
  nowMs: () => performance.now(),
  sleepUs: (us) => new Promise((r) => setTimeout(r, Math.ceil(us / 1000))),
  alloc: (n) => new Uint8Array(n),
};

/** The board file from `--board FILE` or HILBRIDGE_BOARD. */
export function boardPath(argv: readonly string[] = process.argv): string | undefined {
  const i = argv.indexOf('--board');
  return i >= 0 ? argv[i + 1] : process.env.HILBRIDGE_BOARD;
}

function spiChips(node: DtNode, open: () => Promise<SpiController>, where: string): Chip[] {
  return node.children
    .filter((c) => isEnabled(c) && compatibles(c).includes('atmel,at25'))
    .map((c) => {
      const cfg: At25Config = at25Config(c);
      const cs = chipSelect(c);
      return {
        label: `${cfg.name} (AT25, ${cfg.size} bytes) on ${where.replace('{cs}', String(cs))}`,
        config: cfg,
        open: async (opts = {}) => {
          const ctl = await open();
          try {
            const dev = await ctl.openDevice({ chipSelect: cs, mode: cfg.mode, maxSpeedHz: cfg.maxSpeedHz });
            const api: SpiDeviceApi = { maxTransferBytes: dev.maxTransferBytes, transaction: (ops) => dev.transfer(ops), lock: async () => undefined, unlock: async () => undefined };
            const readOnly = opts.readOnly ?? cfg.readOnly;
            return { eeprom: new At25Eeprom(api, { ...cfg, readOnly }, env), readOnly, close: async () => ctl.close() };
          } catch (e) {
            await ctl.close().catch(() => undefined);
            throw e;
          }
        },
      };
    });
}

function i2cChips(node: DtNode, bus: number): Chip[] {
  const path = `/dev/i2c-${bus}`;
  return node.children
    .filter((c) => isEnabled(c) && compatibles(c).includes('atmel,at24'))
    .map((c) => {
      const cfg: At24Config = at24Config(c);
      return {
        label: `${cfg.name} (AT24, ${cfg.size} bytes) at 0x${cfg.address.toString(16)} on ${path}`,
        config: cfg,
        open: async (opts = {}) => {
          const ctl: I2cController = await createI2cDevController({ busNumber: bus });
          const api: I2cDeviceApi = { maxTransferBytes: ctl.maxTransferBytes, repeatedStart: ctl.repeatedStart, transfer: (ops) => ctl.transfer(ops) };
          const readOnly = opts.readOnly ?? cfg.readOnly;
          return { eeprom: new At24Eeprom(api, { ...cfg, readOnly }, env), readOnly, close: () => ctl.close() };
        },
      };
    });
}

/** Every EEPROM of the board on a real backend (mock buses are left out). */
export function findChips(file: string): Chip[] {
  const tree = loadTree(file);
  const chips: Chip[] = [];
  for (const node of walk(tree.root)) {
    if (!isEnabled(node)) continue;
    if (isSpiController(node)) {
      const info = spiControllerInfo(node);
      if (info.kind === 'spidev') {
        chips.push(...spiChips(node, async () => createSpidevController({ busNumber: info.bus }), `/dev/spidev${info.bus}.{cs}`));
      } else if (info.kind === 'serprog') {
        const port = process.env.HILBRIDGE_PORT ?? info.port; // like the CLI's --port override
        chips.push(...spiChips(node, () => createSerprogController({ port, baudRate: info.baudRate }), `serprog ${port}`));
      }
    } else if (isI2cController(node)) {
      const info = i2cControllerInfo(node);
      if (info.kind === 'i2c-dev') chips.push(...i2cChips(node, info.bus));
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
    return e instanceof HilError ? e : new HilError('EIO', e instanceof Error ? e.message : String(e));
  }
}
