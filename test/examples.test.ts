import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

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
