/**
 * A small line-chart writer for the examples: series of (x, y) points to a standalone SVG string,
 * with axes, ticks, a legend and optional horizontal reference lines. Linear x; linear or log y.
 */

/** One line of a chart. */
export interface Series {
  name: string;
  points: Array<[number, number]>;
  color?: string;
  dashed?: boolean;
}

/** A horizontal line marking a value, such as a baseline or a target. */
export interface Reference {
  y: number;
  label: string;
}

/** What to draw. */
export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  references?: Reference[];
  /** Log-scaled y axis (default false); non-positive values are left out. */
  logY?: boolean;
  width?: number;
  height?: number;
}

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const M = { left: 64, right: 150, top: 36, bottom: 48 };

/** Renders `chart` as an SVG document. */
export function lineChart(chart: Chart): string {
  const W = chart.width ?? 720;
  const H = chart.height ?? 400;
  const log = chart.logY ?? false;
  const ty = (y: number): number => (log ? Math.log10(y) : y);
  const keep = ([, y]: [number, number]): boolean => Number.isFinite(ty(y));
  const all = chart.series.flatMap((s) => s.points.filter(keep));
  const refs = chart.references ?? [];
  const xs = all.map(([x]) => x);
  const ys = [...all.map(([, y]) => ty(y)), ...refs.map((r) => ty(r.y))];
  const [x0, x1] = span(xs);
  const [y0, y1] = log ? [Math.floor(Math.min(...ys)), Math.ceil(Math.max(...ys))] : span(ys);
  const px = (x: number): number => M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y: number): number =>
    H - M.bottom - ((ty(y) - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    text(
      W / 2 - M.right / 2 + M.left / 2,
      22,
      chart.title,
      'middle',
      'font-size="15" font-weight="bold"',
    ),
  ];
  for (const x of ticks(x0, x1)) {
    out.push(line(px(x), H - M.bottom, px(x), M.top, '#eee'));
    out.push(text(px(x), H - M.bottom + 16, fmt(x), 'middle'));
  }
  const yTicks = log ? range(y0, y1).map((e) => 10 ** e) : ticks(y0, y1);
  for (const y of yTicks) {
    out.push(line(M.left, py(y), W - M.right, py(y), '#eee'));
    out.push(text(M.left - 6, py(y) + 4, log ? `1e${Math.round(Math.log10(y))}` : fmt(y), 'end'));
  }
  out.push(line(M.left, H - M.bottom, W - M.right, H - M.bottom, '#333'));
  out.push(line(M.left, H - M.bottom, M.left, M.top, '#333'));
  out.push(text((M.left + W - M.right) / 2, H - 10, chart.xLabel, 'middle'));
  out.push(
    text(
      16,
      (M.top + H - M.bottom) / 2,
      chart.yLabel,
      'middle',
      `transform="rotate(-90 16 ${(M.top + H - M.bottom) / 2})"`,
    ),
  );
  for (const r of refs) {
    out.push(line(M.left, py(r.y), W - M.right, py(r.y), '#888', 'stroke-dasharray="2 3"'));
    out.push(text(W - M.right - 4, py(r.y) - 4, r.label, 'end', 'fill="#666"'));
  }
  chart.series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const pts = s.points.filter(keep).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.join(' ')}"/>`,
    );
    const ly = M.top + 8 + i * 18;
    out.push(line(W - M.right + 10, ly, W - M.right + 34, ly, color, `stroke-width="2"${dash}`));
    out.push(text(W - M.right + 40, ly + 4, s.name, 'start'));
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function span(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/** About five round tick values between lo and hi. */
function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(v);
  return out;
}

function range(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = lo; i <= hi; i++) out.push(i);
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 || Number.isInteger(v)
    ? String(Math.round(v))
    : String(+v.toPrecision(3));
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function text(x: number, y: number, s: string, anchor: string, extra = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" ${extra}>${escape(s)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, color: string, extra = ''): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${color}" ${extra}/>`;
}
