import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));

/** Runs an example with tsx, as `npm run` would, and returns its output. */
function run(file: string, args: string[] = []): string {
  const r = spawnSync(process.execPath, [tsx, file, ...args], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('the user apps of examples/apps/', () => {
  it('are 40 lines or less and use only the package', () => {
    for (const name of ['forecaster.ts', 'classifier.ts', 'save-load.html']) {
      const text = readFileSync(path.join(root, 'examples', 'apps', name), 'utf8');
      expect(text.trimEnd().split('\n').length, name).toBeLessThanOrEqual(40);
      expect(text, name).not.toMatch(/from '\.\.?\//);
    }
  });

  it('forecaster: beats seasonal-naive on the held-out sunspot years, through a saved file', () => {
    const out = run('examples/apps/forecaster.ts');
    const m = /held-out MAE: GRU ([\d.]+), seasonal naive ([\d.]+)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(Number(m![2]));
    expect(out).toContain('the GRU beats seasonal naive');
  }, 120_000);

  it('classifier: reports F1 per class and a macro F1 above 0.9', () => {
    const out = run('examples/apps/classifier.ts');
    expect(out).toMatch(/^F1 per band: [\d.]+ [\d.]+ [\d.]+$/m);
    expect(Number(/macro F1 ([\d.]+)/.exec(out)?.[1])).toBeGreaterThan(0.9);
  }, 120_000);
});

describe('example forecast', () => {
  it('shows the error beside seasonal-naive, beats it, and writes the chart and model file', () => {
    const out = run('examples/forecast.ts', ['--epochs', '60']);
    const ours = Number(/GRU +MAE +([\d.]+)/.exec(out)?.[1]);
    const naive = Number(/seasonal naive +MAE +([\d.]+)/.exec(out)?.[1]);
    expect(ours).toBeLessThan(naive);
    expect(out).toContain('loaded back forecasts the same: true');
    expect(out).toMatch(/\* actual {3}o GRU/);
    const svg = readFileSync(path.join(root, 'examples', 'output', 'forecast.svg'), 'utf8');
    expect(svg.match(/<polyline/g)).toHaveLength(3);
  }, 120_000);
});
