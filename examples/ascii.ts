/**
 * A terminal sketch of series for the examples: each series drawn with its own character on a
 * grid of `height` rows, one column per point (points averaged into `width` columns).
 */
export function asciiChart(
  series: Array<{ name: string; mark: string; values: number[] }>,
  width = 72,
  height = 14,
): string {
  const all = series.flatMap((s) => s.values);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const grid = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  for (const s of series) {
    for (let c = 0; c < width; c++) {
      const from = Math.floor((c * s.values.length) / width);
      const to = Math.max(from + 1, Math.floor(((c + 1) * s.values.length) / width));
      const part = s.values.slice(from, to);
      if (part.length === 0) continue;
      const v = part.reduce((a, b) => a + b, 0) / part.length;
      const row = Math.round(((hi - v) / (hi - lo || 1)) * (height - 1));
      grid[row][c] = s.mark;
    }
  }
  const label = (v: number) => v.toFixed(0).padStart(6);
  const lines = grid.map((r, i) => {
    const edge = i === 0 ? label(hi) : i === height - 1 ? label(lo) : ' '.repeat(6);
    return `${edge} |${r.join('')}`;
  });
  lines.push(`${' '.repeat(7)}+${'-'.repeat(width)}`);
  lines.push(`${' '.repeat(8)}${series.map((s) => `${s.mark} ${s.name}`).join('   ')}`);
  return lines.join('\n');
}
