/**
 * The lazy loaders of the optional native packages: they load the real packages here, and a
 * missing or broken build becomes an actionable HilError instead of a bare MODULE_NOT_FOUND.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HilError } from '../../src/abi/errno';
import { listGpioChips, openGpioChip } from '../../src/hal/gpiochip';
import { loadI2cBus, loadKoffi, loadSerialPort, loadSpiDevice, setNativeRequireForTests } from '../../src/hal/native';

afterEach(() => setNativeRequireForTests(undefined));

test('the installed packages load and expose the API the backends use', () => {
  expect(typeof loadSpiDevice().open).toBe('function');
  expect(typeof loadI2cBus().open).toBe('function');
  expect(typeof loadSerialPort().SerialPort).toBe('function');
  expect(typeof loadKoffi().load).toBe('function');
});

test('koffi missing: the GPIO backend says to install it and that it needs no compiler', () => {
  setNativeRequireForTests(() => {
    throw new Error("Cannot find module 'koffi'");
  });
  expect(() => loadKoffi()).toThrow(HilError);
  expect(() => loadKoffi()).toThrow(/koffi is not installed or its native build failed.*npm install koffi.*needs no compiler/);
});

test('without koffi the GPIO backend fails only when a chip is actually used', async () => {
  setNativeRequireForTests(() => {
    throw new Error("Cannot find module 'koffi'");
  });
  const dir = mkdtempSync(join(tmpdir(), 'no-koffi-'));
  try {
    expect(listGpioChips(dir)).toEqual([]); // nothing to read: koffi is not needed
    writeFileSync(join(dir, 'gpiochip0'), '');
    expect(() => listGpioChips(dir)).toThrow(/koffi is not installed/);
    await expect(openGpioChip({ chip: 'pinctrl-bcm2711', devDir: dir })).rejects.toMatchObject({ code: 'ENOSYS' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing package says what to install and what the build needs', () => {
  setNativeRequireForTests((id) => {
    const e = new Error(`Cannot find module '${id}'`);
    (e as Error & { code: string }).code = 'MODULE_NOT_FOUND';
    throw e;
  });
  let err: unknown;
  try {
    loadSpiDevice();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).code).toBe('ENOSYS');
  expect((err as HilError).message).toMatch(/spi-device is not installed or its native build failed/);
  expect((err as HilError).message).toMatch(/npm install spi-device/);
  expect((err as HilError).message).toMatch(/python3, make and g\+\+/);
});

test('an addon already loaded by another thread is explained', () => {
  setNativeRequireForTests(() => {
    throw new Error('Module did not self-register: /x/build/Release/i2c.node.');
  });
  expect(() => loadI2cBus()).toThrow(/load hardware addons only in the thread that owns the bus/);
});

test('an addon built for another Node version says to rebuild it, not to install it', () => {
  setNativeRequireForTests(() => {
    throw new Error("The module '/x/spi.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 137.");
  });
  expect(() => loadSpiDevice()).toThrow(/built for another Node version .*npm rebuild spi-device/);
});

test('a package with an unexpected API is refused', () => {
  setNativeRequireForTests(() => ({ notOpen: 1 }));
  expect(() => loadSerialPort()).toThrow(/does not have the expected API/);
});
