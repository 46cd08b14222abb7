/**
 * The proof against dtc: every corpus file and every board in dts/ is compiled by hilbridge
 * (toDtb) and by Debian's `dtc` (with a `cpp` pre-pass for files using #include/#define, and
 * `-@` for overlays); `dtc -I dtb -O dts` of the two blobs must print the same text, and the
 * blobs themselves must be byte-identical. Without dtc this suite fails loudly unless
 * HILBRIDGE_SKIP_DTC=1 is set, in which case it is skipped with a warning.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDtsFile, toDtb } from '../../src/devicetree';

const CORPUS = path.join(__dirname, 'corpus');
const BOARDS = path.join(__dirname, '..', '..', 'dts');
const INCLUDE_DIRS = [path.join(CORPUS, 'include'), path.join(BOARDS, 'include')];

const dtcPresent = spawnSync('dtc', ['--version']).status === 0;
const skipAllowed = process.env.HILBRIDGE_SKIP_DTC === '1';

const files = [
  ...fs.readdirSync(CORPUS).filter((f) => f.endsWith('.dts')).map((f) => path.join(CORPUS, f)),
  ...fs.readdirSync(BOARDS).filter((f) => f.endsWith('.dts')).map((f) => path.join(BOARDS, f)),
].sort();

const usesCpp = (text: string): boolean => /^\s*#\s*(include|define|if|ifdef|ifndef)\b/m.test(text);

function dtcCompile(file: string, symbols: boolean, out: string, tmp: string): void {
  const text = fs.readFileSync(file, 'latin1');
  let input = file;
  if (usesCpp(text)) {
    input = path.join(tmp, `${path.basename(file)}.pp`);
    const pp = execFileSync('cpp', ['-nostdinc', '-undef', '-x', 'assembler-with-cpp', ...INCLUDE_DIRS.flatMap((d) => ['-I', d]), file]);
    fs.writeFileSync(input, pp);
  }
  const args = ['-q', ...(symbols ? ['-@'] : []), '-i', path.dirname(file), ...INCLUDE_DIRS.flatMap((d) => ['-i', d]), '-I', 'dts', '-O', 'dtb', '-o', out, input];
  execFileSync('dtc', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

const decompile = (dtb: string): string => execFileSync('dtc', ['-q', '-I', 'dtb', '-O', 'dts', dtb]).toString();

describe('hilbridge and dtc compile the corpus to the same tree', () => {
  if (!dtcPresent) {
    if (skipAllowed) {
      console.warn('dtc (device-tree-compiler) is not installed: the dtc comparison corpus is SKIPPED (HILBRIDGE_SKIP_DTC=1)');
      test.skip('dtc comparison corpus (dtc not installed)', () => undefined);
    } else {
      test('dtc is installed', () => {
        throw new Error('dtc is not installed, so the DTS front end cannot be checked against it. Install it (apt-get install device-tree-compiler) or set HILBRIDGE_SKIP_DTC=1 to skip this suite knowingly.');
      });
    }
    return;
  }

  let tmp = '';
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hilbridge-dtc-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('the corpus holds overlays, cpp files and the boards', () => {
    const texts = files.map((f) => fs.readFileSync(f, 'latin1'));
    expect(texts.filter((t) => t.includes('/plugin/;')).length).toBeGreaterThanOrEqual(3);
    expect(texts.filter(usesCpp).length).toBeGreaterThanOrEqual(1);
    expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['mock.dts', 'rpi-at25.dts', 'serprog-at25.dts']));
  });

  const cases = files.flatMap((file) => {
    const plugin = fs.readFileSync(file, 'latin1').includes('/plugin/;');
    return (plugin ? [true] : [false, true]).map((symbols) => [path.relative(path.join(__dirname, '..', '..'), file), symbols] as const);
  });

  test.each(cases)('%s (dtc -@: %s)', (rel, symbols) => {
    const file = path.join(__dirname, '..', '..', rel);
    const base = path.join(tmp, `${path.basename(file)}${symbols ? '.sym' : ''}`);
    fs.writeFileSync(`${base}.ours.dtb`, toDtb(parseDtsFile(file, { includeDirs: INCLUDE_DIRS, symbols })));
    dtcCompile(file, symbols, `${base}.dtc.dtb`, tmp);
    expect(decompile(`${base}.ours.dtb`)).toBe(decompile(`${base}.dtc.dtb`));
    expect(Buffer.compare(fs.readFileSync(`${base}.ours.dtb`), fs.readFileSync(`${base}.dtc.dtb`))).toBe(0);
  });
});
