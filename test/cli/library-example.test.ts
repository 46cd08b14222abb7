/**
 * The README's library example runs as written: the ```js block under "## Library" is the same
 * text as examples/library.mjs, and it runs from a directory where 'hilbridge' resolves as an
 * installed package would (node_modules/hilbridge -> this repository, built).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './run-cli';

function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library'));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README.md has no ```js block under "## Library"');
  return m[1]!;
}

test('README example equals examples/library.mjs and is at most ten lines of code', () => {
  const code = readmeExample();
  expect(code).toBe(readFileSync(join(ROOT, 'examples', 'library.mjs'), 'utf8'));
  expect(code.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(10);
  expect(code).toMatch(/^import \{ boot \} from 'hilbridge';$/m);
});

test('the README example runs against the mock board and prints what it wrote', () => {
  const t = tempDir('hilbridge-example-');
  try {
    mkdirSync(join(t.dir, 'node_modules'));
    symlinkSync(ROOT, join(t.dir, 'node_modules', 'hilbridge'), 'dir');
    writeFileSync(join(t.dir, 'example.mjs'), readmeExample());
    const out = execFileSync(process.execPath, [join(t.dir, 'example.mjs')], { cwd: t.dir, encoding: 'utf8', timeout: 30_000 });
    expect(out).toMatch(/^across a page boundary \{ busy: false, wel: false, blocks: 'none', wpen: false, raw: 0 \}$/m);
    expect(out).toMatch(/^\d+ syscalls through the permission-checked layer: \{[\s\S]*spi_transfer: \d+/m);
  } finally {
    t.cleanup();
  }
});
