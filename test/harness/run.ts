/**
 * `npm run reliability -- [HARNESS...] [--full] [--seed N] [options]`: the reliability harnesses
 * on their own (docs/RELIABILITY.md). Without names it runs all of them, one after the other; the
 * short sizes are the ones `npm test` runs, `--full` the sizes of a full run (100,000 frames per
 * transport, 1,000 crashes, 200 kills, 100 signals, an hour of soak). Any size can be given
 * directly. Prints each harness's figures as JSON on standard output (progress on standard
 * error) and exits 1 if any invariant broke, 2 on bad arguments.
 */
import { writeFileSync } from 'node:fs';
import { runCrash } from './crash/run-crash';
import { runFuzz } from './fuzz/run-fuzz';
import { runKill } from './kill/run-kill';
import { randomSeed } from './lib/prng';
import { SIZES } from './lib/sizes';
import { runSignals } from './signals/run-signals';
import { runSoak } from './soak/run-soak';

const USAGE = `usage: npm run reliability -- [fuzz] [crash] [kill] [signals] [soak] [options]

  --full            full-run sizes (default: the short sizes npm test runs)
  --seed N          seed of every harness (default: a fresh one, printed)
  --frames N        fuzz: frames per transport        (short ${SIZES.short.frames}, full ${SIZES.full.frames})
  --crashes N       crash: driver crashes injected     (short ${SIZES.short.crashes}, full ${SIZES.full.crashes})
  --kills N         kill: processes SIGKILLed          (short ${SIZES.short.kills}, full ${SIZES.full.kills})
  --signals N       signals: signals sent              (short ${SIZES.short.signals}, full ${SIZES.full.signals})
  --duration S      soak: seconds                      (short ${SIZES.short.durationS}, full ${SIZES.full.durationS})
  --clients N       soak: client threads               (default 4)
  --out FILE        also write all results as one JSON object to FILE
`;

const HARNESSES = ['fuzz', 'crash', 'kill', 'signals', 'soak'] as const;
type Name = (typeof HARNESSES)[number];
const NUMERIC = ['seed', 'frames', 'crashes', 'kills', 'signals', 'duration', 'clients'];

class UsageError extends Error {}

function parse(argv: readonly string[]): { names: Name[]; opt: Map<string, string> } {
  const names: Name[] = [];
  const opt = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') throw new UsageError('');
    if (a === '--full') opt.set('full', 'true');
    else if (a.startsWith('--')) {
      const key = a.slice(2);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      if (!NUMERIC.includes(key) && key !== 'out') throw new UsageError(`unknown option ${a}`);
      if (NUMERIC.includes(key) && !/^\d+$/.test(v)) throw new UsageError(`${a} ${v} is not a whole number`);
      opt.set(key, v);
    } else if ((HARNESSES as readonly string[]).includes(a)) names.push(a as Name);
    else throw new UsageError(`unknown harness ${a}; one of ${HARNESSES.join(', ')}`);
  }
  return { names: names.length ? names : [...HARNESSES], opt };
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) process.stderr.write(`reliability: ${e.message}\n`);
    process.stderr.write(USAGE);
    return e.message ? 2 : 0;
  }
  const { names, opt } = parsed;
  const full = opt.has('full');
  const size = full ? SIZES.full : SIZES.short;
  const num = (key: string, fallback: number): number => Number(opt.get(key) ?? fallback);
  const seed = opt.has('seed') ? Number(opt.get('seed')) >>> 0 : randomSeed();
  const log = (l: string): void => void process.stderr.write(`${l}\n`);
  log(`reliability: seed ${seed} (repeat with --seed ${seed}); ${full ? 'full' : 'short'} run of ${names.join(', ')}`);
  const results: Record<string, unknown> = { seed, full, node: process.version };
  let failed = false;
  const report = (name: Name, r: { violations: readonly string[]; elapsedMs?: number }): void => {
    results[name] = r;
    console.log(JSON.stringify({ [name]: r }, null, 2));
    log(`${name}: ${r.violations.length === 0 ? 'PASS' : `FAIL (${r.violations.length} violations)`}`);
    failed ||= r.violations.length > 0;
  };
  for (const name of names) {
    if (name === 'fuzz') report(name, await runFuzz({ seed, frames: num('frames', size.frames), log }));
    if (name === 'crash') report(name, await runCrash({ seed, crashes: num('crashes', size.crashes), log }));
    if (name === 'kill') report(name, await runKill({ seed, kills: num('kills', size.kills), log }));
    if (name === 'signals') report(name, await runSignals({ seed, signals: num('signals', size.signals), log }));
    if (name === 'soak') report(name, await runSoak({ seed, durationS: num('duration', size.durationS), clients: num('clients', 4), log }));
  }
  const out = opt.get('out');
  if (out) writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`reliability: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
