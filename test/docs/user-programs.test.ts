/**
 * The user-program guide's example runs as written: its program and its kernel-side code are
 * taken from docs/user-programs.md and executed (the program through a real worker thread).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

it('docs/user-programs.md example reads eeprom0 from a user thread', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'user-programs.md'), 'utf8');
  const blocks = [...doc.matchAll(/```(?:js|ts)\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  const dir = mkdtempSync(join(tmpdir(), 'hilbridge-doc-'));
  try {
    // Resolve 'hilbridge' from the example's directory as an installed package would be.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'hilbridge'), 'dir');
    writeFileSync(join(dir, 'my-driver.js'), blocks[0]!);
    const host = blocks[1]!
      .replace(/import \{([^}]*)\} from 'hilbridge';/, 'const {$1} = require("hilbridge");')
      .replace("'./my-driver.js'", "require('path').join(__dirname, 'my-driver.js')");
    writeFileSync(join(dir, 'run.js'), `(async () => {\n${host}\n})().catch((e) => { console.error(e); process.exit(1); });\n`);
    const out = execFileSync(process.execPath, [join(dir, 'run.js')], { cwd: dir, encoding: 'utf8', timeout: 30000 });
    expect(out).toMatch(/my-driver \{ first16: '[0-9a-f]{32}' \}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
