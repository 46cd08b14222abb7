/**
 * Command-line cold start: a one-shot `hilbridge read DEV 0 16` against a bare `node -e 0`,
 * alternating, each a fresh process timed from spawn to exit; and the same command without the
 * spare worker the CLI starts ahead of its driver thread (HILBRIDGE_NO_SPARE=1), so that what the
 * spare buys on this machine is a ratio in the same run. Where Debian's /usr/bin/time is
 * installed it also gives each process's peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HilError } from '../../src/abi/errno';
import { packageRoot } from '../../src/kernel/paths';
import { summarize, type Summary } from '../stats';

export interface ColdStart {
  readonly command: string;
  readonly runs: number;
  readonly cliMs: Summary;
  /** The same command with HILBRIDGE_NO_SPARE=1: the driver thread's worker starts when it is needed. */
  readonly cliNoSpareMs: Summary;
  readonly nodeBareMs: Summary;
  /** cli median / node median. */
  readonly ratio: number;
  readonly cliMaxRssMiB?: number | undefined;
  readonly nodeBareMaxRssMiB?: number | undefined;
}

const TIME = '/usr/bin/time';

function timed(args: readonly string[], rssFile: string | undefined, env: NodeJS.ProcessEnv = {}): { ms: number; rssKiB: number | undefined; status: number | null; stderr: string } {
  const cmd = rssFile ? TIME : process.execPath;
  const argv = rssFile ? ['-f', '%M', '-o', rssFile, process.execPath, ...args] : [...args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, HILBRIDGE_BOARD: '', ...env } });
  const ms = performance.now() - t0;
  let rssKiB: number | undefined;
  if (rssFile && existsSync(rssFile)) {
    const v = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    if (Number.isFinite(v) && v > 0) rssKiB = v;
  }
  return { ms, rssKiB, status: r.status, stderr: r.stderr };
}

/** `board`: a board file, or undefined for the CLI's embedded default board. */
export function cliSuite(runs: number, device: string, board: string | undefined): ColdStart {
  const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  const cliArgs = [main, ...(board ? ['--board', board] : []), 'read', device, '0', '16'];
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-cli-'));
  const rssFile = existsSync(TIME) ? join(dir, 'rss') : undefined;
  const cli: number[] = [];
  const noSpare: number[] = [];
  const bare: number[] = [];
  const cliRss: number[] = [];
  const bareRss: number[] = [];
  try {
    // One untimed run of each first: the files are in the page cache for every timed run.
    timed(['-e', '0'], undefined);
    timed(cliArgs, undefined);
    for (let i = 0; i < runs; i++) {
      const b = timed(['-e', '0'], rssFile);
      const c = timed(cliArgs, rssFile);
      if (c.status !== 0) throw new HilError('EIO', `hilbridge ${cliArgs.slice(1).join(' ')} exited ${c.status}: ${c.stderr.trim().slice(-300)}`);
      const n = timed(cliArgs, undefined, { HILBRIDGE_NO_SPARE: '1' });
      bare.push(b.ms);
      cli.push(c.ms);
      noSpare.push(n.ms);
      if (b.rssKiB) bareRss.push(b.rssKiB / 1024);
      if (c.rssKiB) cliRss.push(c.rssKiB / 1024);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cliMs = summarize(cli);
  const nodeBareMs = summarize(bare);
  return {
    command: `hilbridge ${cliArgs.slice(1).join(' ')}`,
    runs,
    cliMs,
    cliNoSpareMs: summarize(noSpare),
    nodeBareMs,
    ratio: cliMs.median / nodeBareMs.median,
    cliMaxRssMiB: cliRss.length ? summarize(cliRss).median : undefined,
    nodeBareMaxRssMiB: bareRss.length ? summarize(bareRss).median : undefined,
  };
}
