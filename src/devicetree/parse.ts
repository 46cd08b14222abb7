/**
 * Entry points of the DTS front end: preprocess, parse, resolve.
 *
 * `parseDtsFile` / `parseDts` return the finished DtTree or throw a DtsError (file:line:col,
 * source line, caret); a missing top-level file is HilError ENOENT. Nothing else escapes: an
 * unexpected internal failure is wrapped into HilError EINVAL naming the file.
 */
import * as fs from 'node:fs';
import { HilError } from '../abi/errno';
import { DtsError, SourceFiles } from './dts-error';
import { DtsParser } from './parser';
import { preprocess } from './preprocessor';
import { resolveTree } from './resolve';
import { Scanner } from './scanner';
import type { DtTree } from './tree';

export interface ParseOptions {
  /** Include search path for `#include`, `/include/` and `/incbin/` (after the file's own directory). */
  readonly includeDirs?: readonly string[] | undefined;
  /** Predefined macros (`-D NAME=VALUE`). */
  readonly defines?: Readonly<Record<string, string>> | undefined;
  /** Emit `__symbols__` as `dtc -@` does (labels survive into a DTB). */
  readonly symbols?: boolean | undefined;
}

export function parseDts(text: string, fileName: string, opts: ParseOptions = {}): DtTree {
  const files = new SourceFiles();
  try {
    const pp = preprocess(fileName, text, files, opts);
    const sc = new Scanner(pp.text, pp.origins, files);
    const parsed = new DtsParser(sc, opts.includeDirs ?? []).parse();
    return resolveTree(parsed, files, { symbols: opts.symbols });
  } catch (e) {
    if (e instanceof DtsError || e instanceof HilError) throw e;
    throw new HilError('EINVAL', `${fileName}: internal error while parsing the devicetree: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
}

export function parseDtsFile(file: string, opts: ParseOptions = {}): DtTree {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (e) {
    const code = (e as { code?: string }).code === 'ENOENT' ? 'ENOENT' : 'EIO';
    throw new HilError(code, `cannot read devicetree source "${file}": ${(e as Error).message}`);
  }
  return parseDts(text, file, opts);
}
