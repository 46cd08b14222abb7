/**
 * The built-in EEPROM driver thread (eeprom-server) with a crash switch, for the crash-mid-write
 * harness. Confined, and the same driver and service code as eeprom-server; only its bus device
 * is wrapped: each transfer counts down a number the harness writes into the shared partition
 * `crash-plan`, and when it reaches zero the thread dies of an uncaught error, either before that
 * transfer reaches the bus or just after it. The harness also kills the thread from outside at
 * random moments (Kernel.kill); either way the fault policy restarts it.
 *
 * crash-plan, Int32 words per device slot (args.slot): [countdown, when] — countdown 0 is off;
 * when 0 = before the transfer, 1 = after it.
 */
import { EEPROM_IFACE } from '../../../src/abi/eeprom-iface';
import { HilError } from '../../../src/abi/errno';
import type { BusBuffer } from '../../../src/abi/lease';
import type { I2cDeviceApi, I2cMessage, SpiDeviceApi, SpiTransfer } from '../../../src/user/device-api';
import { serveInterface } from '../../../src/user/ipc';
import type { UserRuntime } from '../../../src/user/runtime';
import { eepromService, openDriver } from '../../../src/userdrivers/eeprom-server';

export async function main(rt: UserRuntime): Promise<void> {
  const name = rt.serves[0];
  if (name === undefined) throw new HilError('EINVAL', 'crashy-eeprom-server serves one device');
  const slot = (rt.args as { slot: number }).slot;
  const plan = new Int32Array(rt.memory.partition('crash-plan').bytes.buffer);
  const crash = (): Promise<never> => {
    void Promise.reject(new Error(`injected crash of ${name}`));
    return new Promise<never>(() => undefined); // the thread dies before anything else runs
  };
  /** Runs one transfer, dying before or after it when the countdown reaches zero. */
  const guarded = async <T>(run: () => Promise<T>): Promise<T> => {
    const left = Atomics.load(plan, 2 * slot);
    if (left > 0 && Atomics.sub(plan, 2 * slot, 1) === 1) {
      if (Atomics.load(plan, 2 * slot + 1) === 0) return crash();
      await run();
      return crash();
    }
    return run();
  };
  const config = rt.config(name);
  let bus: SpiDeviceApi | I2cDeviceApi;
  if (config.kind === 'at25') {
    const spi = rt.spi(name);
    bus = {
      maxTransferBytes: spi.maxTransferBytes,
      transfer: (xfers: readonly SpiTransfer<BusBuffer>[]) => guarded(() => spi.transfer(xfers)),
      lock: (ms: number) => spi.lock(ms),
      unlock: () => spi.unlock(),
    };
  } else {
    const i2c = rt.i2c(name);
    bus = {
      maxTransferBytes: i2c.maxTransferBytes,
      repeatedStart: i2c.repeatedStart,
      transfer: (msgs: readonly I2cMessage<BusBuffer>[]) => guarded(() => i2c.transfer(msgs)),
    };
  }
  const dev = openDriver(config, bus, rt.env);
  await serveInterface(rt, name, EEPROM_IFACE, eepromService(dev, config, rt.env, (lease) => lease));
}
