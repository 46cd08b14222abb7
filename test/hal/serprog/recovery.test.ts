/**
 * Recovery from a serprog programmer stuck waiting for a command's parameters: a previous session
 * (or a host that died mid-write) left it half way through a command, so the next bytes it gets are
 * eaten as parameters and nothing answers. The client flushes with NOPs (each one a parameter byte
 * if the programmer is still waiting, a plain NOP once it is not), then repeats SYNCNOP until the
 * NAK,ACK pair shows the command boundary, and confirms with a NOP. Against the emulated programmer
 * (test/emu/serprog-emulator.ts) over an in-memory channel, byte for byte.
 */
import { HilError } from '../../../src/abi/errno';
import { VirtualClock } from '../../../src/hal/clock';
import { AT25_OP, At25Model } from '../../../src/hal/mock/at25-model';
import { SerprogClient } from '../../../src/hal/serprog/client';
import { SerprogController } from '../../../src/hal/serprog';
import { CMD } from '../../../src/hal/serprog/protocol';
import { MemoryChannel } from '../../emu/memory-channel';

const TIMEOUT_MS = 100;

function setup(): { at25: At25Model; ch: MemoryChannel } {
  const at25 = new At25Model({ size: 4096, pageSize: 32, addressWidth: 16, clock: new VirtualClock(), writeCycleUs: 0 });
  at25.memory.set([0x11, 0x22, 0x33, 0x44], 0x40);
  return { at25, ch: new MemoryChannel({ chip: at25, maxWrite: 64, maxRead: 64 }) };
}

/** What the host sent from index `from` on, NOPs and SYNCNOPs named. */
function sentSince(ch: MemoryChannel, from: number): string[] {
  return ch.sent.slice(from).map((b) => (b === CMD.NOP ? 'NOP' : b === CMD.SYNCNOP ? 'SYNCNOP' : `0x${b.toString(16)}`));
}

test('opening a programmer left inside an O_SPIOP: the NOPs complete it, SYNCNOP finds the boundary, the chip reads', async () => {
  const { ch } = setup();
  // a previous session died after O_SPIOP's header (4 bytes to send, none to read) and one data byte
  ch.emulator.input(Uint8Array.of(CMD.O_SPIOP, 4, 0, 0, 0, 0, 0, AT25_OP.READ));
  const ctl = await SerprogController.overChannel(ch, { timeoutMs: TIMEOUT_MS });
  expect(sentSince(ch, 0).slice(0, 10)).toEqual(['NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'SYNCNOP', 'NOP']);
  // the stuck command ran on the first three NOPs, and its answer was not taken for anything else
  expect(ch.emulator.seen.slice(0, 2)).toEqual([CMD.O_SPIOP, CMD.NOP]);
  expect(ch.emulator.seen).toContain(CMD.SYNCNOP);
  const dev = await ctl.openDevice({ chipSelect: 0, mode: 0, maxSpeedHz: 1e6 });
  const rx = new Uint8Array(4);
  await dev.transfer([{ tx: Uint8Array.of(AT25_OP.READ, 0x00, 0x40), len: 3 }, { rx, len: 4 }]);
  expect(Array.from(rx)).toEqual([0x11, 0x22, 0x33, 0x44]);
  await ctl.close();
});

test('stuck in S_SPI_FREQ mid-session: the command is eaten and times out, recovery re-syncs, the next command answers', async () => {
  const { ch } = setup();
  const client = new SerprogClient(ch, { timeoutMs: TIMEOUT_MS });
  await client.sync();
  ch.emulator.input(Uint8Array.of(CMD.S_SPI_FREQ, 0x40, 0x42)); // two of its four parameter bytes
  const mark = ch.sent.length;
  const err = await client.command(CMD.Q_IFACE, [], 2).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HilError);
  expect((err as HilError).code).toBe('ETIMEDOUT');
  expect((err as HilError).message).toMatch(/did not finish Q_IFACE in time .*re-synchronised: the operation may or may not have run, retry it/);
  // Q_IFACE's byte and the first NOP were S_SPI_FREQ's last parameters; its ACK and 4-byte answer were drained
  expect(ch.emulator.spiFreqHz).toBe(0x00014240);
  expect(sentSince(ch, mark)).toEqual(['0x1', 'NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'SYNCNOP', 'NOP']);
  expect(Array.from(await client.command(CMD.Q_IFACE, [], 2))).toEqual([1, 0]);
});

test('stuck deeper than one round of NOPs: EIO rather than a hang, and the next command syncs again until it gets through', async () => {
  const { at25, ch } = setup();
  const client = new SerprogClient(ch, { timeoutMs: TIMEOUT_MS });
  await client.sync();
  // an O_SPIOP waiting for 30 data bytes: more than one sync's 8 NOPs and 8 SYNCNOPs can feed it
  ch.emulator.input(Uint8Array.of(CMD.O_SPIOP, 30, 0, 0, 0, 0, 0));
  const first = await client.command(CMD.Q_PGMNAME, [], 16).catch((e: unknown) => e);
  expect(first).toBeInstanceOf(HilError);
  expect((first as HilError).code).toBe('EIO');
  expect((first as HilError).message).toMatch(/does not answer SYNCNOP: check the port and baud rate.*\(after: .*no answer within/);
  // the next command starts with a sync; its NOPs and SYNCNOPs finish the stuck O_SPIOP
  const name = await client.command(CMD.Q_PGMNAME, [], 16);
  expect(Buffer.from(name).toString('latin1').replace(/\0+$/, '')).toBe('hil-emu');
  expect(ch.emulator.seen.filter((c) => c === CMD.O_SPIOP)).toHaveLength(1);
  expect(at25.memory.subarray(0x40, 0x44)).toEqual(Uint8Array.of(0x11, 0x22, 0x33, 0x44)); // a stream of zeros writes nothing
});

test('an idle programmer opens without waiting for the line to go quiet: eight ACKs and NAK,ACK prove nothing else is in flight', async () => {
  const { ch } = setup();
  let timedOut = 0;
  const read = ch.read.bind(ch);
  ch.read = (n, ms) =>
    read(n, ms).catch((e: unknown) => {
      if (e instanceof HilError && e.code === 'ETIMEDOUT') timedOut++;
      throw e;
    });
  const ctl = await SerprogController.overChannel(ch, { timeoutMs: 60_000 });
  expect(sentSince(ch, 0).slice(0, 10)).toEqual(['NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'NOP', 'SYNCNOP', 'NOP']);
  expect(timedOut).toBe(0); // no read was left to run out its time (the old sync drained until 250 ms of silence, twice)
  await ctl.close();
});
