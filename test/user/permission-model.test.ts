/**
 * Defence in depth: the kernel runs under Node's permission model (docs/SECURITY.md), which
 * applies to its worker threads too. An unconfined (trusted) program stands in for one that got
 * out of its Compartment: the file system beyond what was allowed and child processes are refused,
 * while the board keeps working. Skipped where this Node has no permission model.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const major = Number(process.versions.node.split('.')[0]);
const flag = major >= 22 ? '--permission' : '--experimental-permission';
const supported = major >= 20;

(supported ? it : it.skip)('an unconfined program under the permission model is refused files and processes; the board still works', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-perm-'));
  try {
    writeFileSync(
      join(dir, 'escaped.js'),
      `exports.main = async (rt) => {
  const out = {};
  try { require('fs').readFileSync('/etc/hostname'); out.fs = 'read'; } catch (e) { out.fs = e.code; }
  try { require('child_process').execSync('true'); out.exec = 'ran'; } catch (e) { out.exec = e.code; }
  await rt.report(out);
};`,
    );
    writeFileSync(
      join(dir, 'host.js'),
      `const { boot } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'index.js'))});
(async () => {
  const hb = await boot();
  const seen = [];
  hb.kernel.on('report', (_t, d) => seen.push(d));
  await hb.kernel.spawn(${JSON.stringify(join(dir, 'escaped.js'))}, { name: 'escaped', confined: false });
  await hb.kernel.waitForThread('escaped');
  const e = await hb.openEeprom('eeprom0');
  await e.write(0x40, Uint8Array.of(1, 2, 3));
  const back = Array.from(await e.read(0x40, 3));
  await hb.shutdown();
  console.log(JSON.stringify({ seen, back }));
})().catch((e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });`,
    );
    const r = spawnSync(process.execPath, [flag, '--allow-worker', `--allow-fs-read=${ROOT}/*`, `--allow-fs-read=${dir}/*`, join(dir, 'host.js')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { seen?: { fs: string; exec: string }[]; back?: number[]; error?: string };
    expect(out.error).toBeUndefined();
    expect(out.seen).toEqual([{ fs: 'ERR_ACCESS_DENIED', exec: 'ERR_ACCESS_DENIED' }]);
    expect(out.back).toEqual([1, 2, 3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
