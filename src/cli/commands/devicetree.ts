/**
 * `hilbridge dt compile IN -o OUT`, `hilbridge dt show FILE [--json]` and `hilbridge probe`:
 * the devicetree module's commands, which need no booted board.
 */
import { existsSync } from 'node:fs';
import { dtCompile, dtShow, formatProbe, probeLiveTree } from '../../devicetree';
import { formatGpioProbe, probeGpio } from '../../index';
import { UsageError } from '../errors';
import type { CommandResult } from '../output';

function mustExist(path: string, what: string): void {
  if (!existsSync(path)) throw new UsageError('ENOENT', `${what} ${path} does not exist; check the path`);
}

export async function dtCompileCmd(
  input: string,
  o: { out?: string | undefined; include?: string[] | undefined; symbols?: boolean | undefined },
): Promise<CommandResult> {
  if (!o.out) throw new UsageError('EINVAL', 'dt compile needs -o OUT (the .dtb to write)');
  mustExist(input, 'devicetree source');
  const r = dtCompile(input, o.out, { includeDirs: o.include ?? [], symbols: o.symbols === true });
  return { data: { in: input, out: r.outPath, bytes: r.bytes }, text: `compiled ${input} to ${r.outPath} (${r.bytes} bytes)\n` };
}

/** With `--json` the result object is the tree itself (dt show's JSON form). */
export async function dtShowCmd(input: string, o: { json: boolean; include?: string[] | undefined }): Promise<CommandResult> {
  mustExist(input, 'devicetree file');
  const json = dtShow(input, { json: true, includeDirs: o.include ?? [] });
  const text = o.json ? json : dtShow(input, { includeDirs: o.include ?? [] });
  return { data: JSON.parse(json) as Record<string, unknown>, text };
}

export async function probe(o: { root?: string | undefined; dev?: string | undefined; board?: string | undefined }): Promise<CommandResult> {
  if (o.root !== undefined) mustExist(o.root, 'devicetree directory');
  if (o.board !== undefined) mustExist(o.board, 'board file');
  const r = probeLiveTree(o.root, o.dev ?? '/dev');
  const gpio = probeGpio(o.dev ?? '/dev', o.board);
  return { data: { ...r, gpio }, text: formatProbe(r) + formatGpioProbe(gpio) };
}
