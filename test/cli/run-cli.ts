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

/** A temporary directory removed by the returned cleanup. */
export function tempDir(prefix = 'hilbridge-cli-'): { dir: string; file: (name: string, content?: string | Uint8Array) => string; cleanup: () => void } {
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

/** A one-SPI-EEPROM mock board; `writeCycleUs` sets the model's tWC (fast tests, slow interrupts). */
export function mockBoard(opts: { size?: number; pageSize?: number; writeCycleUs?: number } = {}): string {
  return mockBoardDts({
    model: 'cli test board',
    rootCells: true,
    spi: { parts: [{ label: 'chip', reg: 0, spiMaxHz: 5_000_000, size: opts.size ?? 4096, pageSize: opts.pageSize ?? 32, addressWidth: 16, writeCycleUs: opts.writeCycleUs ?? 100 }] },
    threads: [{ serves: 'chip' }],
  });
}
