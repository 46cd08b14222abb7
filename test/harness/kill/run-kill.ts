/**
 * Process killed mid-write: the whole `hilbridge` command (the built CLI, a separate process) is
 * killed with SIGKILL at a random moment of a `write`, `erase` or `protect` on a mock board backed
 * by `--image` files, sometimes while it creates a new image. Nothing in the process can react to
 * SIGKILL, so what is checked is what it leaves on disk (src/hal/mock/image.ts):
 *
 * - the image is absent (it was being created) or exactly the part's size, never short;
 * - every page of it is the old page or the new one, never a mix;
 * - the registers sidecar (FILE.state) is absent, or whole and readable;
 * - the next run reads the whole chip (`dump`) without error, and what it reads is the file.
 *
 * A run that finished before the kill must have done all of its work (exit 0, every page new),
 * or refused it before touching anything (a range the saved block protection covers: exit 1,
 * every page old).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli-process';
import { mockBoardDts } from '../../helpers/dts-board';
import { Prng } from '../lib/prng';
import { runLog } from '../lib/violations';

export interface KillOptions {
  readonly seed: number;
  readonly kills: number;
  readonly log?: (line: string) => void;
}

export interface KillResult {
  readonly seed: number;
  /** Runs started; of them, killed by SIGKILL (by what they were doing) or finished first. */
  readonly runs: number;
  readonly killed: { readonly creating: number; readonly write: number; readonly erase: number; readonly protect: number };
  readonly finishedFirst: number;
  readonly pagesChecked: number;
  /** Pages neither old nor new, images of the wrong size, unreadable sidecars: all must be 0. */
  readonly tornPages: number;
  readonly shortImages: number;
  readonly badSidecars: number;
  readonly bytesLost: number;
  /** Runs after a kill that read the image back without error. */
  readonly rereads: number;
  /** Temporary files a kill left beside an image (harmless: never read). */
  readonly leftoverTempFiles: number;
  readonly elapsedMs: number;
  readonly violations: readonly string[];
}

interface Part {
  readonly name: string;
  readonly size: number;
  readonly page: number;
}

const PARTS: readonly Part[] = [
  { name: 'chip25', size: 32768, page: 64 },
  { name: 'chip24', size: 16384, page: 64 },
];

const BOARD = mockBoardDts({
  model: 'kill harness board',
  spi: { parts: [{ label: 'chip25', reg: 0, spiMaxHz: 5_000_000, size: 32768, pageSize: 64, addressWidth: 16, writeCycleUs: 1500 }] },
  i2c: { parts: [{ label: 'chip24', reg: 0x50, size: 16384, pageSize: 64, addressWidth: 16, writeCycleUs: 1500 }] },
  threads: [{ serves: 'chip25' }, { serves: 'chip24' }],
});

/** First offset block protection covers, from the status bits a sidecar holds. */
function protectedFrom(size: number, status: number): number {
  const bp = (status >> 2) & 3;
  return bp === 0 ? size : bp === 1 ? size - size / 4 : bp === 2 ? size / 2 : 0;
}

function readSidecar(file: string): { ok: boolean; status: number } {
  if (!existsSync(file)) return { ok: true, status: 0 };
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; status?: unknown };
    if (j.format !== 'hilbridge-image-state') return { ok: false, status: 0 };
    return { ok: true, status: typeof j.status === 'number' ? j.status : 0 };
  } catch {
    return { ok: false, status: 0 };
  }
}

export async function runKill(opts: KillOptions): Promise<KillResult> {
  const t0 = performance.now();
  const { log, violations, violate } = runLog(opts.log);
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-kill-'));
  const board = join(dir, 'board.dts');
  writeFileSync(board, BOARD);
  const killed = { creating: 0, write: 0, erase: 0, protect: 0 };
  let finishedFirst = 0;
  let pagesChecked = 0;
  let tornPages = 0;
  let shortImages = 0;
  let badSidecars = 0;
  let bytesLost = 0;
  let rereads = 0;
  let runs = 0;
  try {
    // How long start-up and a whole-chip write take here (the kill moments are drawn from them).
    const calib = new Map<string, number>();
    const st = await runCli(['--board', board, '--image', `chip25=${join(dir, 'chip25.bin')}`, 'status', 'chip25']);
    if (st.code !== 0) throw new Error(`calibration status failed: ${st.stderr}`);
    const startupMs = st.ms;
    for (const p of PARTS) {
      // A quarter of the chip, timed; the whole takes four times as long.
      const img = join(dir, `${p.name}.bin`);
      const input = join(dir, 'calib.bin');
      writeFileSync(input, new Prng(opts.seed, 4, 1e6).bytes(p.size / 4));
      const r = await runCli(['--board', board, '--image', `${p.name}=${img}`, 'write', p.name, '0', '--in', input, '--no-verify']);
      if (r.code !== 0) throw new Error(`calibration write of ${p.name} failed: ${r.stderr}`);
      calib.set(p.name, Math.max(100, (r.ms - startupMs) * 4));
    }

    let i = 0;
    while (runs < opts.kills * 4 && killed.creating + killed.write + killed.erase + killed.protect < opts.kills) {
      const rng = new Prng(opts.seed, 4, i++);
      runs++;
      const p = rng.pick(PARTS);
      const img = join(dir, `${p.name}.bin`);
      const state = `${img}.state`;
      const fresh = rng.chance(0.15);
      if (fresh) {
        rmSync(img, { force: true });
        rmSync(state, { force: true });
      }
      const existed = existsSync(img);
      const old = existed ? readFileSync(img) : Buffer.alloc(p.size, 0xff);
      const sidecar = readSidecar(state);
      const from = protectedFrom(p.size, sidecar.status);
      const op = rng.weighted({ write: 70, erase: 18, protect: 12 });
      const expected = Buffer.from(old);
      let args: string[];
      let span = 0;
      let refused = false;
      if (op === 'write') {
        const offset = rng.int(0, p.size - 1);
        const len = rng.int(1, p.size - offset);
        const data = Buffer.from(rng.bytes(len));
        const input = join(dir, `in-${i}.bin`);
        writeFileSync(input, data);
        args = ['write', p.name, String(offset), '--in', input, ...(rng.chance(0.5) ? ['--force'] : [])];
        span = len;
        refused = p.name === 'chip25' && offset + len > from;
        if (!refused) data.copy(expected, offset);
      } else if (op === 'erase') {
        const offset = rng.int(0, p.size - 1);
        const len = rng.int(1, p.size - offset);
        const fill = rng.chance(0.5) ? 0xff : rng.int(0, 255);
        args = ['erase', p.name, '--offset', String(offset), '--length', String(len), '--fill', String(fill)];
        span = len;
        refused = p.name === 'chip25' && offset + len > from;
        if (!refused) expected.fill(fill, offset, offset + len);
      } else {
        // Block protection lives in the sidecar (AT25 only; on the AT24 this is refused, ENOTSUP).
        args = ['protect', p.name, '--blocks', rng.pick(['none', 'none', 'upper-quarter', 'upper-half'])];
      }
      // Anywhere from start-up (image creation, boot) to a little past the end of the work.
      const total = startupMs + (calib.get(p.name)! * 1.2 * span) / p.size + 50;
      const delay = rng.int(0, Math.round(total));
      const r = await runCli(['--board', board, '--image', `${p.name}=${img}`, ...args], { kill: { signal: 'SIGKILL', afterMs: delay } });
      const what = `run ${i} (${op} ${args.slice(2).join(' ')} on ${p.name}${fresh ? ', new image' : ''}, kill at ${delay} ms)`;

      // What is on disk.
      const exists = existsSync(img);
      if (!exists && existed) violate(`${what}: the image disappeared`);
      const image = exists ? readFileSync(img) : undefined;
      if (image && image.length !== p.size) {
        shortImages++;
        violate(`${what}: the image is ${image.length} bytes, not ${p.size}`);
      }
      const sc = readSidecar(state);
      if (!sc.ok) {
        badSidecars++;
        violate(`${what}: the registers sidecar is not whole JSON: ${readFileSync(state, 'utf8').slice(0, 80)}`);
      }
      if (image && image.length === p.size) {
        for (let at = 0; at < p.size; at += p.page) {
          const got = image.subarray(at, at + p.page);
          pagesChecked++;
          if (!got.equals(old.subarray(at, at + p.page)) && !got.equals(expected.subarray(at, at + p.page))) {
            tornPages++;
            bytesLost += p.page;
            violate(`${what}: page ${at / p.page} is neither old nor new`);
          }
        }
      }
      if (r.signal === 'SIGKILL') {
        if (!existed && !image) killed.creating++;
        else killed[op]++;
      } else {
        finishedFirst++;
        const wantCode = op === 'protect' ? (p.name === 'chip24' ? 1 : 0) : refused ? 1 : 0;
        if (r.code !== wantCode) violate(`${what}: exited ${String(r.code)} (expected ${wantCode}): ${r.stderr.trim().split('\n').pop() ?? ''}`);
        if (image && op !== 'protect' && !image.equals(refused ? old : expected)) violate(`${what}: finished, yet the image does not hold ${refused ? 'the old data' : 'the new data'}`);
      }
      // The next run reads the chip without error, and reads the file.
      if (r.signal === 'SIGKILL') {
        const out = join(dir, 'dump.bin');
        const d = await runCli(['--board', board, '--image', `${p.name}=${img}`, 'dump', p.name, '--out', out]);
        if (d.code !== 0) violate(`${what}: the next run could not read the image: ${d.stderr.trim()}`);
        else {
          rereads++;
          if (!readFileSync(out).equals(readFileSync(img))) violate(`${what}: the next run read something other than the image file`);
        }
      }
      if (i % 10 === 0) log(`kill: ${runs} runs, ${killed.creating + killed.write + killed.erase + killed.protect} killed`);
    }
    const leftovers = readdirSync(dir).filter((f) => f.includes('.tmp-')).length;
    return {
      seed: opts.seed,
      runs,
      killed,
      finishedFirst,
      pagesChecked,
      tornPages,
      shortImages,
      badSidecars,
      bytesLost,
      rereads,
      leftoverTempFiles: leftovers,
      elapsedMs: Math.round(performance.now() - t0),
      violations,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
