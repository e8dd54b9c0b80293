import path from 'node:path';
import { defineConfig, type Options } from 'tsup';

/**
 * rnnkit/node uses classes of the main entry (Model, Forecaster): its imports from below
 * src/node/ are pointed at dist/index, so both entries share one copy of every class.
 */
const nodeOnMain: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'node-entry-on-main',
  setup(build) {
    const main = build.initialOptions.format === 'cjs' ? './index.cjs' : './index.js';
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const from = path.resolve(args.resolveDir, args.path);
      const inNode = args.importer.includes(`${path.sep}src${path.sep}node`);
      const leaves = !from.includes(`${path.sep}src${path.sep}node`);
      return inNode && leaves ? { path: main, external: true } : undefined;
    });
  },
};

const shared = {
  format: ['esm', 'cjs'] as ('esm' | 'cjs')[],
  shims: true,
  // Each file stands alone, so dist/worker.cjs can be copied next to an app's bundle.
  splitting: false,
  // Marks the build, so the source-only worker path (through tsx) is left out of dist.
  define: { __RNNKIT_BUILD__: 'true' },
  sourcemap: true,
  target: 'es2022' as const,
};

export default defineConfig([
  {
    ...shared,
    // The worker entry is the script of the optional worker threads (Model.useThreads).
    entry: { index: 'src/index.ts', node: 'src/node.ts', worker: 'src/parallel/worker.ts' },
    dts: { entry: { index: 'src/index.ts', node: 'src/node.ts' } },
    clean: true,
    esbuildPlugins: [nodeOnMain],
  },
  {
    ...shared,
    // rnnkit/onnx: Model and Tensor are imported from the main entry, not bundled again.
    entry: { onnx: 'src/onnx/index.ts' },
    dts: { entry: { onnx: 'src/onnx/index.ts' } },
    external: ['rnnkit'],
    clean: false,
  },
]);
