/**
 * DtsError: a devicetree source error that points at the line.
 *
 * Every failure of the DTS front end (preprocessor, parser, reference resolution) is reported as
 * a DtsError: code EINVAL, a message of the form `file:line:col: error: what`, followed by the
 * offending source line and a caret under the column. `SourceFiles` keeps the text of every file
 * read during one parse so errors can quote it.
 */
import { HilError } from '../abi/errno';
import type { SourceLoc } from './tree';

/** The source text of every file read in one parse, by the name used in locations. */
export class SourceFiles {
  private readonly lines = new Map<string, string[]>();

  add(file: string, text: string): void {
    this.lines.set(file, text.split(/\r?\n/));
  }

  line(file: string, line: number): string | undefined {
    return this.lines.get(file)?.[line - 1];
  }
}

/** Renders `file:line:col: error: msg`, the source line and a caret. */
export function formatDiagnostic(loc: SourceLoc, message: string, sourceLine?: string, kind = 'error'): string {
  let out = `${loc.file}:${loc.line}:${loc.col}: ${kind}: ${message}`;
  if (sourceLine !== undefined) {
    const text = sourceLine.replace(/\t/g, ' ');
    out += `\n  ${text}\n  ${' '.repeat(Math.max(0, loc.col - 1))}^`;
  }
  return out;
}

export class DtsError extends HilError {
  readonly loc: SourceLoc;
  readonly detail: string;
  readonly sourceLine: string | undefined;

  constructor(loc: SourceLoc, detail: string, sourceLine?: string) {
    super('EINVAL', formatDiagnostic(loc, detail, sourceLine));
    this.name = 'DtsError';
    this.loc = loc;
    this.detail = detail;
    this.sourceLine = sourceLine;
  }
}

/** Builds DtsErrors that quote the source line from a SourceFiles registry. */
export function errorAt(files: SourceFiles, loc: SourceLoc, detail: string): DtsError {
  return new DtsError(loc, detail, files.line(loc.file, loc.line));
}
