import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const dir = mkdtempSync(path.join(root, 'test', '.readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the first ts block after `heading` (sources instead of the package) and imports it. */
async function runBlock(heading: string, name: string, exports: string): Promise<unknown> {
  const block = new RegExp(`${heading}\\n\\n[\\s\\S]*?\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(readme);
  expect(block, heading).not.toBeNull();
  const source = block![1].replace(
    "from 'rnnkit'",
    `from ${JSON.stringify(path.join(root, 'src', 'index.ts'))}`,
  );
  const file = path.join(dir, name);
  writeFileSync(file, `${source}\nexport { ${exports} };\n`);
  return import(pathToFileURL(file).href);
}

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

  it('custom losses: the pinball loss passes its gradient check and trains to the 90th percentile', async () => {
    const logs: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void logs.push(line));
    let result: { check: { passed: boolean }; below: number; targets: { size: number } };
    try {
      result = (await runBlock(
        '## Custom losses',
        'custom-losses.ts',
        'check, below, targets',
      )) as typeof result;
    } finally {
      spy.mockRestore();
    }
    expect(result.check.passed).toBe(true);
    expect(logs[0]).toMatch(/^gradient check passed: true/);
    const share = result.below / result.targets.size;
    expect(share).toBeGreaterThan(0.85);
    expect(share).toBeLessThan(0.95);
  });
  it('ONNX: the exported model runs in onnxruntime-node like rnnkit, and fromOnnx reads it back', async () => {
    const block =
      /### ONNX: deploy with onnxruntime, import from PyTorch\n\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(
        readme,
      );
    expect(block).not.toBeNull();
    const source = block![1]
      .replace(
        "from 'rnnkit/onnx'",
        `from ${JSON.stringify(path.join(root, 'src', 'onnx', 'index.ts'))}`,
      )
      .replace("from 'rnnkit'", `from ${JSON.stringify(path.join(root, 'src', 'index.ts'))}`);
    const file = path.join(dir, 'onnx.ts');
    writeFileSync(file, `${source}\nexport { model, inputs, output, h, c, again };\n`);
    type Result = { data: Float32Array };
    const r = (await import(pathToFileURL(file).href)) as {
      model: {
        forward(x: unknown): { output: { data: Float32Array }; h: { data: Float32Array } };
        stateDict(): Record<string, { data: Float32Array }>;
      };
      inputs: unknown;
      output: Result;
      h: Result;
      c: Result;
      again: { stateDict(): Record<string, { data: Float32Array }> };
    };
    const want = r.model.forward(r.inputs);
    let diff = 0;
    for (let i = 0; i < want.output.data.length; i++)
      diff = Math.max(diff, Math.abs(want.output.data[i] - r.output.data[i]));
    expect(diff).toBeLessThan(1e-5);
    expect(r.h.data.length).toBe(want.h.data.length);
    expect(Array.from(r.again.stateDict()['head.weight'].data)).toEqual(
      Array.from(r.model.stateDict()['head.weight'].data),
    );
  });
});
