/**
 * Running the built `hilbridge` binary (dist/src/cli/main.js) as a user would, for the CLI tests:
 * runCli (test/helpers/cli-process.ts) and, here, what needs Jest or is for these tests only:
 * --json runs, temporary directories and the one-chip mock board. `npm test` builds dist first
 * (the pretest script).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliResult, type RunOptions, runCli } from '../helpers/cli-process';
import { mockBoardDts } from '../helpers/dts-board';

export { type CliResult, MAIN, ROOT, type RunOptions, runCli } from '../helpers/cli-process';

/** Runs with `--json` and parses standard output as exactly one JSON object. */
export async function runJson(args: readonly string[], opts: RunOptions = {}): Promise<CliResult & { json: Record<string, unknown> }> {
  const r = await runCli(['--json', ...args], opts);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return { ...r, json: JSON.parse(lines[0]!) as Record<string, unknown> };
}

export interface TempDir {
  readonly dir: string;
  /** The path of `name` in the directory; with `content`, the file is written first. */
  file(name: string, content?: string | Uint8Array): string;
  cleanup(): void;
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = 'hilbridge-cli-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name, content) => {
      const p = join(dir, name);
      if (content !== undefined) writeFileSync(p, content);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface MockBoardOptions {
  readonly size?: number;
  readonly pageSize?: number;
  readonly writeCycleUs?: number;
}

/** A one-SPI-EEPROM mock board; `writeCycleUs` sets the model's tWC (fast tests, slow interrupts). */
export function mockBoard(opts: MockBoardOptions = {}): string {
  return mockBoardDts({
    model: 'cli test board',
    rootCells: true,
    spi: { parts: [{ label: 'chip', reg: 0, spiMaxHz: 5_000_000, size: opts.size ?? 4096, pageSize: opts.pageSize ?? 32, addressWidth: 16, writeCycleUs: opts.writeCycleUs ?? 100 }] },
    threads: [{ serves: 'chip' }],
  });
}

export interface ImageBoard extends Omit<TempDir, 'cleanup'> {
  /** The board file: mockBoard(options), its one part labelled `chip`. */
  readonly board: string;
  /** A fresh image file name for `chip`; with `fill`, the file is written, the part's size of it. */
  image(fill?: number): string;
  /** The global options that run a command on the board, `chip` backed by `img`. */
  g(img: string): string[];
}

/**
 * What a test file that runs commands on `chip` of mockBoard(options), backed by image files,
 * sets up: a temporary directory (made in beforeAll, removed in afterAll; call this at the top
 * level of the file) holding board.dts, fresh image files in it, and the options naming both.
 */
export function imageBoard(options: MockBoardOptions = {}): ImageBoard {
  let t: TempDir | undefined;
  let board = '';
  let seq = 0;
  beforeAll(() => {
    t = tempDir();
    board = t.file('board.dts', mockBoard(options));
  });
  afterAll(() => t?.cleanup());
  const made = (): TempDir => {
    if (!t) throw new Error('imageBoard: used outside the tests of the file that set it up');
    return t;
  };
  return {
    get dir() {
      return made().dir;
    },
    file: (name, content) => made().file(name, content),
    get board() {
      return board;
    },
    image: (fill) => made().file(`chip-${++seq}.bin`, fill === undefined ? undefined : Buffer.alloc(options.size ?? 4096, fill)),
    g: (img) => ['--board', board, '--image', `chip=${img}`],
  };
}
