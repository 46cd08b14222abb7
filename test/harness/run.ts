/**
 * `npm run reliability -- [HARNESS...] [--full] [--seed N] [options]`: runs the reliability
 * harnesses on their own (docs/RELIABILITY.md). Without names it runs all of them; `--full` uses
 * the full-run sizes (100,000 frames per transport, 1,000 crashes, …) instead of the short ones
 * `npm test` runs. Prints each harness's figures and exits 1 if any invariant broke.
 */
import { randomSeed } from './lib/prng';
import { runCrash } from './crash/run-crash';
import { runFuzz } from './fuzz/run-fuzz';
import { runKill } from './kill/run-kill';
import { runSignals } from './signals/run-signals';
import { runSoak } from './soak/run-soak';

const USAGE = `usage: npm run reliability -- [fuzz] [--full] [--seed N] [--frames N]`;

async function main(argv: readonly string[]): Promise<number> {
  const names: string[] = [];
  const opt = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--full' || a === '--json') opt.set(a.slice(2), 'true');
    else if (a.startsWith('--')) opt.set(a.slice(2), argv[++i] ?? '');
    else names.push(a);
  }
  const full = opt.has('full');
  const seed = opt.has('seed') ? Number(opt.get('seed')) >>> 0 : randomSeed();
  const log = (l: string): void => void process.stderr.write(`${l}\n`);
  let failed = false;
  if (names.length === 0 || names.includes('fuzz')) {
    const frames = Number(opt.get('frames') ?? (full ? 100_000 : 2000));
    log(`fuzz: seed ${seed}, ${frames} frames per transport`);
    const r = await runFuzz({ seed, frames, log });
    console.log(JSON.stringify(r, null, 2));
    failed ||= r.violations.length > 0;
  }
  if (names.length === 0 || names.includes('crash')) {
    const iterations = Number(opt.get('iterations') ?? (full ? 1000 : 20));
    log(`crash: seed ${seed}, ${iterations} iterations`);
    const r = await runCrash({ seed, iterations, log });
    console.log(JSON.stringify(r, null, 2));
    failed ||= r.violations.length > 0;
  }
  if (names.length === 0 || names.includes('kill')) {
    const kills = Number(opt.get('kills') ?? (full ? 200 : 3));
    log(`kill: seed ${seed}, ${kills} kills`);
    const r = await runKill({ seed, kills, log });
    console.log(JSON.stringify(r, null, 2));
    failed ||= r.violations.length > 0;
  }
  if (names.length === 0 || names.includes('signals')) {
    const signals = Number(opt.get('signals') ?? (full ? 100 : 3));
    log(`signals: seed ${seed}, ${signals} signals`);
    const r = await runSignals({ seed, signals, log });
    console.log(JSON.stringify(r, null, 2));
    failed ||= r.violations.length > 0;
  }
  if (names.length === 0 || names.includes('soak')) {
    const durationS = Number(opt.get('duration') ?? (full ? 3600 : 5));
    const clients = Number(opt.get('clients') ?? 4);
    log(`soak: seed ${seed}, ${durationS} s, ${clients} client threads`);
    const r = await runSoak({ seed, durationS, clients, log });
    console.log(JSON.stringify(r, null, 2));
    failed ||= r.violations.length > 0;
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    console.error(USAGE);
    process.exit(2);
  },
);
