/**
 * Stack traces of confined programs in terms of their own sources. Code evaluated in a
 * Compartment is invisible to Node's `--enable-source-maps`, so the trusted half maps each frame
 * itself: for a file the loader evaluated, it reads the file's `//# sourceMappingURL` (a .map
 * file beside it, or an inline data URL) with Node's `SourceMap` and rewrites `file:line:col` to
 * the original TypeScript position. Frames it cannot map are left as they are.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAP_COMMENT = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/m;
const FRAME = /(file:\/\/[^\s()]+?):(\d+):(\d+)/g;

export class StackMapper {
  private readonly sources = new Map<string, string>();
  private readonly maps = new Map<string, SourceMap | null>();

  /** Called by the loader for every file it evaluates. */
  remember(file: string, source: string): void {
    this.sources.set(file, source);
  }

  /** The stack with every frame of a mapped file rewritten to its original source position. */
  map(stack: string): string {
    return stack.replace(FRAME, (whole, url: string, line: string, col: string) => {
      let file: string;
      try {
        file = fileURLToPath(url);
      } catch {
        return whole;
      }
      const sm = this.mapFor(file);
      if (!sm) return whole;
      const e = sm.findEntry(Number(line) - 1, Number(col) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (!e || e.originalSource === undefined || e.originalLine === undefined || e.originalColumn === undefined) return whole;
      const src = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : resolve(dirname(file), e.originalSource);
      return `${src}:${e.originalLine + 1}:${e.originalColumn + 1}`;
    });
  }

  private mapFor(file: string): SourceMap | null {
    const known = this.maps.get(file);
    if (known !== undefined) return known;
    let sm: SourceMap | null = null;
    try {
      const src = this.sources.get(file);
      const m = src ? MAP_COMMENT.exec(src) : null;
      if (m) {
        const url = m[1]!;
        const json = url.startsWith('data:')
          ? Buffer.from(url.slice(url.indexOf(',') + 1), url.includes(';base64,') ? 'base64' : 'utf8').toString('utf8')
          : readFileSync(resolve(dirname(file), url), 'utf8');
        sm = new SourceMap(JSON.parse(json) as ConstructorParameters<typeof SourceMap>[0]);
      }
    } catch {
      sm = null;
    }
    this.maps.set(file, sm);
    return sm;
  }
}
