/**
 * The emulated serprog programmer the serprog suite starts: a separate Node process running the
 * project's byte-exact programmer emulator (test/emu/serprog-emulator.ts) with a simulated
 * AT25256 behind it, on a pseudo-terminal owned by a small Python relay (test/emu/pty-pair.py,
 * python3 is already needed to build the native addons). It prints the terminal's path on its
 * first line of output; hilbridge and the bare client open that path exactly as they would open
 * /dev/ttyACM0. It exits when its standard input closes (the benchmark went away).
 *
 *   node dist/bench/serprog/emulator-main.js [maxRead] [maxWrite]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { RealClock } from '../../src/hal/clock';
import { At25Model } from '../../src/hal/mock/at25-model';
import { packageRoot } from '../../src/kernel/paths';
import { SerprogEmulator } from '../../test/emu/serprog-emulator';

const maxRead = Number(process.argv[2] ?? 0);
const maxWrite = Number(process.argv[3] ?? 0);
const chip = new At25Model({ size: 32768, pageSize: 64, addressWidth: 16, clock: new RealClock(), writeCycleUs: 0 });
chip.memory.forEach((_, i) => (chip.memory[i] = (i * 13 + 7) & 0xff));
const relay = spawn(process.env.PYTHON ?? 'python3', [join(packageRoot(), 'test', 'emu', 'pty-pair.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
const emu = new SerprogEmulator({ chip, name: 'bench-emu', maxRead, maxWrite }, (bytes) => {
  if (!relay.stdin.destroyed) relay.stdin.write(bytes);
});
let head = Buffer.alloc(0);
const onHead = (chunk: Buffer): void => {
  head = Buffer.concat([head, chunk]);
  const nl = head.indexOf(0x0a);
  if (nl < 0) return;
  relay.stdout.off('data', onHead);
  relay.stdout.on('data', (c: Buffer) => emu.input(c));
  const rest = head.subarray(nl + 1);
  if (rest.length) emu.input(rest);
  process.stdout.write(`${head.subarray(0, nl).toString()}\n`);
};
relay.stdout.on('data', onHead);
relay.stdin.on('error', () => undefined);
relay.on('exit', (code) => process.exit(code ?? 1));
process.stdin.on('data', () => undefined);
process.stdin.on('end', () => relay.kill('SIGTERM'));
