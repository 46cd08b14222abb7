/**
 * What every harness run keeps besides its counters: where its progress lines go (`opts.log`, or
 * nowhere) and the violations it finds, each logged as it is found and the first 200 kept for the
 * result. A run passes when it found none.
 */
export interface RunLog {
  readonly log: (line: string) => void;
  readonly violations: string[];
  readonly violate: (v: string) => void;
}

export function runLog(log?: (line: string) => void): RunLog {
  const out = log ?? ((): void => undefined);
  const violations: string[] = [];
  const violate = (v: string): void => {
    if (violations.length < 200) violations.push(v);
    out(`VIOLATION: ${v}`);
  };
  return { log: out, violations, violate };
}
