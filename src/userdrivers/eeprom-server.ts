/**
 * The server side of the EEPROM service (abi/eeprom-iface.ts): each operation of the interface
 * implemented on an `Eeprom` driver. Reads go straight into the client's lent buffer; writes copy
 * the lent data into a staging buffer of the driver's (one copy: the driver verifies against it
 * and builds page commands around it) a page-aligned piece at a time.
 *
 * The same implementation serves in a user thread (leases are lease windows, copied with the
 * mem_copy syscall) and inside the kernel (leases are plain memory): `asBus` says how a lease is
 * handed to the bus.
 */
import type { EepromConfig } from '../abi/device-config';
import { checkRange, EEPROM_FAMILY, EEPROM_IFACE, encodeStatus, PROTECTED_BLOCKS, WRITE_FLAGS } from '../abi/eeprom-iface';
import { HilError } from '../abi/errno';
import type { Implementation, ServerLease } from '../abi/ipc-interface';
import type { BusBuffer } from '../abi/lease';
import type { DriverEnv, I2cDeviceApi, SpiDeviceApi } from '../user/device-api';
import { At24Eeprom } from './at24';
import { At25Eeprom } from './at25';
import type { Eeprom, WriteOptions } from './eeprom';
import type { EepromDriverOptions } from './eeprom-base';

/** The driver for a device's configuration, over the matching bus API (and its WP line, if it has one). */
export function openDriver(config: EepromConfig, bus: SpiDeviceApi | I2cDeviceApi, env: DriverEnv, opts: EepromDriverOptions = {}): Eeprom {
  if (config.kind === 'at25') {
    if (!('lock' in bus)) throw new HilError('EINVAL', `${config.name} is an AT25: it needs an SPI device`);
    return new At25Eeprom(bus, config, env, opts);
  }
  if (!('repeatedStart' in bus)) throw new HilError('EINVAL', `${config.name} is an AT24: it needs an I2C device`);
  return new At24Eeprom(bus, config, env, opts);
}

function writeOptions(flags: number, spanOffset: number, spanLength: number): WriteOptions {
  return {
    verify: (flags & WRITE_FLAGS.VERIFY) !== 0,
    skipUnchanged: (flags & WRITE_FLAGS.SKIP_UNCHANGED) !== 0,
    span: { offset: spanOffset, length: spanLength },
  };
}

/** Most bytes of a write the server stages at once (rounded to whole pages). */
const STAGING_BYTES = 4096;

export function eepromService<L extends ServerLease>(
  dev: Eeprom,
  config: EepromConfig,
  env: DriverEnv,
  asBus: (lease: L) => BusBuffer,
): Implementation<typeof EEPROM_IFACE, L> {
  const page = dev.pageSize();
  const staging = env.alloc(Math.max(page, Math.floor(STAGING_BYTES / page) * page));
  const name = config.name;
  return {
    info: async () => ({
      size: dev.size(),
      pageSize: page,
      readChunk: dev.readChunk(),
      family: EEPROM_FAMILY[config.kind],
      readOnly: config.readOnly ? 1 : 0,
    }),
    read: async ({ offset, length }, { data }) => {
      checkRange(name, dev.size(), offset, length);
      await dev.readInto(offset, asBus(data));
      return {};
    },
    write: async ({ offset, length, flags, spanOffset, spanLength }, { data }) => {
      checkRange(name, dev.size(), offset, length);
      const src = asBus(data);
      const opts = writeOptions(flags, spanOffset, spanLength);
      let written = 0;
      let skipped = 0;
      for (let pos = 0; pos < length; ) {
        const at = offset + pos;
        const n = Math.min(length - pos, staging.length - (at % page));
        const piece = staging.subarray(0, n);
        await env.copy(piece, src.subarray(pos, pos + n));
        const r = await dev.write(at, piece, opts);
        written += r.written;
        skipped += r.skipped;
        pos += n;
      }
      return { written, skipped };
    },
    erase: async ({ offset, length, fill, flags, spanOffset, spanLength }) => {
      checkRange(name, dev.size(), offset, length);
      return dev.erase(offset, length, fill, writeOptions(flags, spanOffset, spanLength));
    },
    status: async () => encodeStatus(await dev.status()),
    protect: async ({ blocks, wpen }) => {
      await dev.setProtection(wpen === 2 ? { blocks: PROTECTED_BLOCKS[blocks]! } : { blocks: PROTECTED_BLOCKS[blocks]!, wpen: wpen === 1 });
      return {};
    },
  };
}
