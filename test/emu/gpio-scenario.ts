/**
 * Kernel-level GPIO scenarios run under the LD_PRELOAD shim (this file is a child process's main,
 * loaded through register-swc.js): boots the kernel on a board whose WP and HOLD lines go through
 * the real GPIO binding to the emulated chip, runs one scenario named by argv[2], and prints one
 * JSON line with what it saw. The model server in the parent records the wire.
 */
import { join } from 'node:path';
import { loadTree } from '../../src/devicetree';
import { boot } from '../../src/host/hilbridge';
import { Kernel } from '../../src/kernel/kernel';

const ROOT = join(__dirname, '..', '..');
const HOSTILE = join(ROOT, 'test', 'fixtures', 'programs', 'hostile.js');

async function main(): Promise<unknown> {
  const scenario = process.argv[2];
  const board = process.argv[3]!;
  if (scenario === 'ungranted' || scenario === 'fault') {
    const k = await Kernel.boot({ tree: loadTree(board, { includeDirs: [join(ROOT, 'dts')] }), startThreads: false });
    try {
      const seen: unknown[] = [];
      k.on('report', (_t: string, d: unknown) => seen.push(d));
      if (scenario === 'ungranted') {
        await k.spawn(HOSTILE, { name: 'intruder', args: { mode: 'gpio', handle: k.objectHandle('eeprom0-wp') } });
        await k.waitForThread('intruder');
      } else {
        await k.spawn(HOSTILE, { name: 'dies', grants: ['eeprom0'], args: { mode: 'gpio-then-crash', line: 'eeprom0-wp' } });
        await k.waitForThread('dies');
        await new Promise((r) => setTimeout(r, 50));
      }
      return { reports: seen, wp: await k.lineApi('eeprom0-wp').get() };
    } finally {
      await k.shutdown();
    }
  }
  if (scenario === 'hold') {
    const hb = await boot({ board });
    try {
      const e = await hb.openEeprom('eeprom0');
      await e.write(0, Uint8Array.of(0x11, 0x22, 0x33, 0x44));
      const hold = hb.kernel.lineApi('eeprom0-hold');
      await hold.set(1); // paused: the chip ignores the clock and SO floats high, so it reads as busy
      const during = await e.read(0, 4).then(
        (b) => ({ data: Array.from(b) }),
        (err: unknown) => ({ error: (err as { code?: string }).code }),
      );
      await hold.set(0);
      const after = Array.from(await e.read(0, 4));
      return { during, after };
    } finally {
      await hb.shutdown();
    }
  }
  throw new Error(`unknown scenario ${scenario}`);
}

main().then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (e: unknown) => {
    process.stdout.write(`${JSON.stringify({ error: { code: (e as { code?: string }).code, message: e instanceof Error ? e.message : String(e) } })}\n`);
    process.exit(1);
  },
);
