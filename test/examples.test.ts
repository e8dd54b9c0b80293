import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineChart } from '../examples/svg.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(path.join(tmpdir(), 'rnnkit-examples-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('SVG line charts of the examples', () => {
  it('draws one polyline per series with its points, a legend and reference lines', () => {
    const svg = lineChart({
      title: 'loss <T=5>',
      xLabel: 'step',
      yLabel: 'MSE',
      series: [
        {
          name: 'a',
          points: [
            [0, 1],
            [10, 0.1],
            [20, 0.01],
          ],
        },
        {
          name: 'b',
          points: [
            [0, 1],
            [10, 0],
            [20, 0.5],
          ],
          dashed: true,
        },
      ],
      references: [{ y: 0.167, label: 'baseline' }],
      logY: true,
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('loss &lt;T=5&gt;');
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1].split(' '));
    // On a log axis the zero of series b is left out.
    expect(lines.map((l) => l.length)).toEqual([3, 2]);
    // y falls from 1 to 0.01: each point is lower on the page (larger y) than the one before.
    const ys = lines[0].map((p) => Number(p.split(',')[1]));
    expect(ys[1]).toBeGreaterThan(ys[0]);
    expect(ys[2] - ys[1]).toBeCloseTo(ys[1] - ys[0], 5);
    expect(svg).toContain('>baseline</text>');
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toMatch(/>1e-2<\/text>/);
  });
});

describe('adding example', () => {
  it('runs from the command line, prints its table and writes its charts', () => {
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const r = spawnSync(
      tsx,
      ['examples/adding.ts', '--steps', '50', '--lengths', '6', '--cells', 'gru,rnn', '--out', out],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^gru +6 +yes +\d\.\d{4} +\d+ +(yes|no)$/m);
    expect(r.stdout).toMatch(/^rnn +6 +no +\d\.\d{4} +\d+ +(yes|no)$/m);
    for (const file of ['adding-loss-T6.svg', 'adding-gradient-flow-T6.svg']) {
      expect(existsSync(path.join(out, file))).toBe(true);
      expect(readFileSync(path.join(out, file), 'utf8')).toContain('<polyline');
    }
  });

  it('prints the same figures for a configuration alone as in a longer run', () => {
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const run = (lengths: string, cells: string): string[] => {
      const args = ['--steps', '100', '--lengths', lengths, '--cells', cells, '--out', out];
      const r = spawnSync(tsx, ['examples/adding.ts', ...args], {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status).toBe(0);
      return r.stdout.split('\n').filter((l) => /^lstm +8 /.test(l));
    };
    const alone = run('8', 'lstm');
    expect(alone).toHaveLength(2);
    // Models built before it (other cells, other lengths) must not change its numbers.
    expect(run('5,8', 'rnn,gru,lstm')).toEqual(alone);
  });
});

describe('example uncertainty', () => {
  it('exits 0 with the held-out coverage of its 90 % band in [0.85, 0.95], and writes the SVG', () => {
    const run = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.resolve('tsx/cli')), 'examples/uncertainty.ts'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.status, run.stderr).toBe(0);
    const coverage = Number(/inside the 90 % band: \d+ of \d+ = ([\d.]+)/.exec(run.stdout)?.[1]);
    expect(coverage).toBeGreaterThanOrEqual(0.85);
    expect(coverage).toBeLessThanOrEqual(0.95);
    const svg = readFileSync(
      new URL('../examples/output/uncertainty.svg', import.meta.url),
      'utf8',
    );
    expect(svg).toMatch(/^<svg [^>]*>[\s\S]*<polygon [\s\S]*<\/svg>\n$/);
  }, 180_000);
});
