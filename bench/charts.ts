/**
 * `--out DIR`: the run's JSON and its charts as SVG, drawn with Vega-Lite (compiled to Vega and
 * rendered headless by Vega's own SVG renderer: no browser, no canvas, no hand-written SVG).
 *
 * - latency-null-syscall.svg, latency-read-16b.svg: latency distributions (cumulative, log time)
 *   per transport and per placement;
 * - throughput-vs-size.svg: read throughput against transfer size, per placement (cost growth);
 * - whole-part.svg: whole-part read and write throughput per placement and bus timing;
 * - scale.svg: aggregate rate and fairness against the number of threads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BenchResult, Row } from './result';

const WIDTH = 520;
const HEIGHT = 300;

async function svgOf(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

function subtitle(r: BenchResult): string {
  return `${r.target.board}; ${r.machine.cpus} x ${r.machine.cpuModel}, Node ${r.machine.node}, load ${r.machine.loadavg1.toFixed(1)}; ${r.startedAt}`;
}

/** Cumulative distribution of per-call rows: the percentiles the collector kept. */
function cdfChart(r: BenchResult, title: string, rows: readonly Row[]): TopLevelSpec | undefined {
  const values = rows.flatMap((row) => (row.percentiles ?? []).map((us, q) => ({ path: row.name, us: Math.max(us, 0.01), percentile: q })));
  if (values.length === 0) return undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: subtitle(r) },
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'us', type: 'quantitative', scale: { type: 'log' }, title: 'microseconds per call (log scale)' },
      y: { field: 'percentile', type: 'quantitative', title: 'percentile of calls' },
      color: { field: 'path', type: 'nominal', legend: { orient: 'bottom', columns: 1, labelLimit: 500 } },
    },
  };
}

function growthChart(r: BenchResult): TopLevelSpec | undefined {
  const values = r.growth.flatMap((g) => g.points.map((p) => ({ placement: `${g.label} (${g.device})`, bytes: p.bytes, kibPerSec: p.bytes / 1024 / (p.us.median / 1e6) })));
  if (values.length === 0) return undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Read throughput against transfer size (medians)', subtitle: subtitle(r) },
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'bytes', type: 'quantitative', scale: { type: 'log' }, title: 'bytes per read (log scale)' },
      y: { field: 'kibPerSec', type: 'quantitative', scale: { type: 'log' }, title: 'KiB/s (log scale)' },
      color: { field: 'placement', type: 'nominal', legend: { orient: 'bottom', columns: 1, labelLimit: 500 } },
    },
  };
}

function wholePartChart(r: BenchResult): TopLevelSpec | undefined {
  const values = r.wholePart.map((w) => ({ placement: w.label, what: `${w.device} ${w.op} ${w.bytes} B, ${w.busTiming}`, kibPerSec: w.kibPerSec, limit: w.bytes / 1024 / (w.wire.limitUs / 1e6) }));
  if (values.length === 0) return undefined;
  const y = { field: 'placement', type: 'nominal', title: null, axis: { labelLimit: 400 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Whole-part throughput by placement (medians; |: the bus limit)', subtitle: subtitle(r) },
    data: { values },
    facet: { row: { field: 'what', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left', labelLimit: 400, labelFontWeight: 'bold' } } },
    spec: {
      width: 420,
      height: { step: 16 },
      layer: [
        { mark: { type: 'point', filled: true, size: 60 }, encoding: { y, x: { field: 'kibPerSec', type: 'quantitative', scale: { type: 'log' }, title: 'KiB/s (log scale)' }, color: { field: 'placement', type: 'nominal', legend: null } } },
        { mark: { type: 'tick', color: 'black', thickness: 2 }, encoding: { y, x: { field: 'limit', type: 'quantitative' } } },
      ],
    },
    resolve: { scale: { x: 'independent' } },
  };
}

function scaleChart(r: BenchResult): TopLevelSpec | undefined {
  const values = r.scale.map((p) => ({ layout: `${p.layout === 'separate' ? 'separate devices' : 'one shared bus'}, ${p.op}, ${p.transport}`, threads: p.threads, opsPerSec: p.aggregateOpsPerSec, fairness: p.fairness, p99: p.us.p99, p50: p.us.median }));
  if (values.length === 0) return undefined;
  const color = { field: 'layout', type: 'nominal', legend: { orient: 'bottom', columns: 1, labelLimit: 500 } } as const;
  const x = { field: 'threads', type: 'quantitative', scale: { type: 'log', base: 2 }, axis: { values: [1, 2, 4, 8] as number[] }, title: 'user threads' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Scaling with user threads', subtitle: subtitle(r) },
    data: { values },
    hconcat: [
      { width: 260, height: 220, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'opsPerSec', type: 'quantitative', title: 'aggregate operations/s' }, color } },
      { width: 260, height: 220, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'fairness', type: 'quantitative', scale: { domain: [0, 1] }, title: "Jain's fairness index" }, color } },
      { width: 260, height: 220, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'p99', type: 'quantitative', scale: { type: 'log' }, title: 'p99 latency, µs (log scale)' }, color } },
    ],
  };
}

/** Writes result.json and the charts into `dir`; returns the files written. */
export async function writeOutputs(dir: string, r: BenchResult): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const json = join(dir, 'result.json');
  writeFileSync(json, `${JSON.stringify(r, null, 1)}\n`);
  files.push(json);
  const nullRows = r.rows.filter((x) => x.group === 'syscall' && x.timing === 'per call' && !x.name.includes('unconfined'));
  const readRows = r.rows.filter((x) => (x.group === 'driver' || x.group === 'library') && x.name.endsWith('read 16 B') && !x.name.includes('unconfined'));
  const charts: [string, TopLevelSpec | undefined][] = [
    ['latency-null-syscall.svg', cdfChart(r, 'Null syscall latency per transport (per call)', nullRows)],
    ['latency-read-16b.svg', cdfChart(r, '16-byte read latency per placement and transport (per call)', readRows)],
    ['throughput-vs-size.svg', growthChart(r)],
    ['whole-part.svg', wholePartChart(r)],
    ['scale.svg', scaleChart(r)],
  ];
  for (const [name, spec] of charts) {
    if (!spec) continue;
    const f = join(dir, name);
    writeFileSync(f, await svgOf(spec));
    files.push(f);
  }
  return files;
}
