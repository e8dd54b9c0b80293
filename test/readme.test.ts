import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const dir = mkdtempSync(path.join(root, 'test', '.readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README', () => {
  it('quick start runs as written, against the sources, and the loss falls', async () => {
    const block = /## Quick start\n\n```ts\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    const source = block![1].replace(
      "from 'rnnkit'",
      `from ${JSON.stringify(path.join(root, 'src', 'index.ts'))}`,
    );
    const file = path.join(dir, 'quick-start.ts');
    writeFileSync(file, `${source}\nexport { prediction };\n`);
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void logs.push(line));
    try {
      const { prediction } = (await import(pathToFileURL(file).href)) as {
        prediction: { shape: number[] };
      };
      expect(prediction.shape).toEqual([64, 20, 1]);
    } finally {
      spy.mockRestore();
    }
    const losses = logs.map((l) => Number(/loss ([\d.]+)/.exec(l)?.[1]));
    expect(losses).toHaveLength(30);
    expect(losses[29]).toBeLessThan(0.5 * losses[0]);
  });
});
