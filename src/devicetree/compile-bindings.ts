/**
 * Build step (`npm run build`, after tsc): compiles the package's YAML bindings (dts/bindings)
 * to JSON next to the compiled bindings module, so that `builtinBindings()` needs no YAML parser
 * at run time. The data records the SHA-256 of every YAML file it came from, and is not used once
 * any of them changes (see bindings.ts); the tests compare it with the YAML.
 *
 *   node dist/src/devicetree/compile-bindings.js [BINDINGS_DIR [OUT_FILE]]
 *
 * Prints nothing on success; on failure prints the binding error and exits 1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMPILED_BINDINGS_FILE, compileBindings, defaultBindingsDir, type CompiledBindings } from './bindings';

/** Compiles `dir` and writes the JSON to `out` (replaced in one rename). */
export function writeCompiledBindings(dir: string = defaultBindingsDir(), out: string = path.join(__dirname, COMPILED_BINDINGS_FILE)): CompiledBindings {
  const data = compileBindings(dir);
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(data)}\n`);
  fs.renameSync(tmp, out);
  return data;
}

if (require.main === module) {
  const [dir, out] = process.argv.slice(2);
  try {
    writeCompiledBindings(dir, out);
  } catch (e) {
    process.stderr.write(`compile-bindings: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
