import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { Model, Tensor, setWorkerUrl } from '../src/index.js';

const run = promisify(execFile);
const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
const dir = mkdtempSync(path.join(tmpdir(), 'rnnkit-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Float64 models run on the TypeScript kernels, whose threads are replicas started from the
// worker script; float32 models on the wasm kernels share their memory with threads that need
// no script file.
const options = {
  cell: 'gru',
  inputSize: 2,
  hiddenSize: 4,
  outputSize: 1,
  seed: 3,
  dtype: 'float64',
} as const;
const wasmOptions = { ...options, dtype: 'float32', hiddenSize: 64 } as const;
const input = new Tensor(
  [8, 3, 2],
  Float64Array.from({ length: 48 }, (_, i) => Math.sin(i)),
);

/** A tiny app that runs a model on two threads; `setup` runs before useThreads. */
function app(setup: string, modelOptions: object = options): string {
  const dtype = (modelOptions as { dtype: string }).dtype === 'float64' ? 'Float64' : 'Float32';
  return `
import { Model, Tensor, setWorkerUrl } from ${JSON.stringify(path.join(src, 'index.ts'))};
${setup}
const model = new Model(${JSON.stringify(modelOptions)});
const input = new Tensor([8, 3, 2], ${dtype}Array.from({ length: 48 }, (_, i) => Math.sin(i)));
try {
  await model.useThreads(2);
} catch (err) {
  console.log(JSON.stringify({ error: err.message }));
  process.exit(0);
}
const output = Array.from(model.forward(input).output.data);
await model.useThreads(1);
console.log(JSON.stringify({ threads: 2, output }));
`;
}

/** Bundles `code` for Node with esbuild, as an app would be, and runs the bundle. */
async function bundleAndRun(name: string, code: string): Promise<Record<string, unknown>> {
  const entry = path.join(dir, `${name}.entry.mjs`);
  writeFileSync(entry, code);
  const outfile = path.join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'silent',
  });
  const { stdout } = await run(process.execPath, [outfile], { timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
}

describe('useThreads in an app bundled by esbuild', () => {
  it('says where the worker script was expected and how to provide it', async () => {
    const r = await bundleAndRun('missing', app(''));
    const where = path.join(dir, 'worker.js');
    expect(r.error).toContain(`useThreads cannot find its worker script at ${where}`);
    expect(r.error).toContain('copy node_modules/rnnkit/dist/worker.cjs next to the bundle');
    expect(r.error).toContain('setWorkerUrl');
  });

  it('runs with the worker script copied next to the bundle and setWorkerUrl', async () => {
    // The stand-alone worker script, as dist/worker.cjs is built.
    await build({
      entryPoints: [path.join(src, 'parallel', 'worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: path.join(dir, 'worker.cjs'),
      logLevel: 'silent',
    });
    const setup = "setWorkerUrl(new URL('./worker.cjs', import.meta.url));";
    const r = await bundleAndRun('copied', app(setup));
    expect(r.error).toBeUndefined();
    const expected = Array.from(new Model(options).forward(input).output.data);
    const output = r.output as number[];
    expect(output).toHaveLength(expected.length);
    output.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });
});

describe('useThreads on the wasm kernels in a bundled app', () => {
  it('needs no worker script and gives the one-thread output bit for bit', async () => {
    const r = await bundleAndRun('team', app('', wasmOptions));
    expect(r.error).toBeUndefined();
    const one = new Model(wasmOptions);
    const x = new Tensor([8, 3, 2], Float32Array.from(input.data));
    expect(r.output).toEqual(Array.from(one.forward(x).output.data));
    one.dispose();
  });
});

describe('setWorkerUrl', () => {
  it('rejects what is not a path, a URL or null, and changes nothing', async () => {
    expect(() => setWorkerUrl(42 as unknown as string)).toThrow(
      new TypeError('worker URL is 42, expected a file path, a URL or null'),
    );
    expect(() => setWorkerUrl('')).toThrow(RangeError);
    // The default still applies: threads start from the sources.
    const model = new Model(options);
    await model.useThreads(2);
    expect(model.threads).toBe(2);
    await model.useThreads(1);
  });

  it('names a missing file in the error, and null restores the default', async () => {
    const model = new Model(options);
    const missing = path.join(dir, 'nowhere', 'worker.cjs');
    setWorkerUrl(missing);
    try {
      await expect(model.useThreads(2)).rejects.toThrow(
        `useThreads cannot find its worker script at ${missing}`,
      );
      expect(model.threads).toBe(1);
    } finally {
      setWorkerUrl(null);
    }
    await model.useThreads(2);
    expect(model.threads).toBe(2);
    await model.useThreads(1);
  });
});
