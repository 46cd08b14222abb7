/**
 * A character cursor over preprocessed DTS text that knows where every character came from.
 *
 * The preprocessor hands over one string plus, per output line, the source file, line and (when
 * macro expansion moved things) a column map. The parser reads characters through this cursor;
 * `loc(pos)` turns any position back into the file:line:col a user recognises, and `fail` raises
 * a DtsError quoting that line.
 */
import { DtsError, errorAt, type SourceFiles } from './dts-error';
import type { SourceLoc } from './tree';

/** Where one output line of the preprocessor came from. */
export interface LineOrigin {
  readonly file: string;
  readonly line: number;
  /** Source column (1-based) of each output character; absent when columns are unchanged. */
  readonly cols?: readonly number[] | undefined;
}

export class Scanner {
  pos = 0;
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly text: string,
    private readonly origins: readonly LineOrigin[],
    readonly files: SourceFiles,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  get eof(): boolean {
    return this.pos >= this.text.length;
  }

  peek(offset = 0): string {
    return this.text.charAt(this.pos + offset);
  }

  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  /** Skips whitespace (comments were removed by the preprocessor). */
  skipWs(): void {
    while (this.pos < this.text.length && /\s/.test(this.text.charAt(this.pos))) this.pos++;
  }

  loc(pos = this.pos): SourceLoc {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    const origin = this.origins[lo] ?? this.origins[this.origins.length - 1];
    if (!origin) return { file: '<input>', line: 1, col: 1 };
    const outCol = pos - this.lineStarts[lo]!;
    const cols = origin.cols;
    const col = cols ? (cols[Math.min(outCol, cols.length - 1)] ?? outCol + 1) : outCol + 1;
    return { file: origin.file, line: origin.line, col };
  }

  error(detail: string, pos = this.pos): DtsError {
    return errorAt(this.files, this.loc(pos), detail);
  }

  /** What stands at pos, for "expected X, found Y" messages. */
  describe(pos = this.pos): string {
    if (pos >= this.text.length) return 'end of input';
    const m = /^(\/[a-z-]+\/|[A-Za-z0-9,._+*#?@-]+|\S)/.exec(this.text.slice(pos, pos + 40));
    return `'${m ? m[1] : this.text.charAt(pos)}'`;
  }
}
