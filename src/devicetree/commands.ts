/**
 * Command-level functions behind `hilbridge dt compile` and `hilbridge dt show`.
 *
 * Both accept DTS or DTB input (a DTB is recognised by its magic number, not its extension).
 * Errors are HilErrors (DtsError for source problems) whose messages can be printed as they are.
 */
import * as fs from 'node:fs';
import { HilError } from '../abi/errno';
import { fromDtb, toDtb } from './dtb';
import { toDtsText, toJson } from './dts-print';
import { parseDts, type ParseOptions } from './parse';
import type { DtTree } from './tree';

function readInput(inPath: string): Buffer {
  try {
    return fs.readFileSync(inPath);
  } catch (e) {
    const code = (e as { code?: string }).code === 'ENOENT' ? 'ENOENT' : 'EIO';
    throw new HilError(code, `cannot read "${inPath}": ${(e as Error).message}`);
  }
}

/** Loads a tree from a .dts or .dtb file. */
export function loadTree(inPath: string, opts: ParseOptions = {}): DtTree {
  const data = readInput(inPath);
  if (data.length >= 4 && data.readUInt32BE(0) === 0xd00dfeed) return fromDtb(new Uint8Array(data));
  return parseDts(data.toString('latin1'), inPath, opts);
}

export interface CompileResult {
  readonly bytes: number;
  readonly outPath: string;
}

/** Compiles IN (DTS or DTB) to a version-17 DTB at OUT. */
export function dtCompile(inPath: string, outPath: string, opts: ParseOptions = {}): CompileResult {
  const blob = toDtb(loadTree(inPath, opts));
  try {
    fs.writeFileSync(outPath, blob);
  } catch (e) {
    throw new HilError('EIO', `cannot write "${outPath}": ${(e as Error).message}`);
  }
  return { bytes: blob.length, outPath };
}

export interface ShowOptions extends ParseOptions {
  readonly json?: boolean | undefined;
}

/** Prints a DTS or DTB file as DTS text, or as JSON with `json`. */
export function dtShow(inPath: string, opts: ShowOptions = {}): string {
  const tree = loadTree(inPath, opts);
  return opts.json ? `${JSON.stringify(toJson(tree), null, 2)}\n` : toDtsText(tree);
}
