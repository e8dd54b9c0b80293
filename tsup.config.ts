import { defineConfig } from 'tsup';

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
    entry: { index: 'src/index.ts', worker: 'src/parallel/worker.ts' },
    dts: { entry: { index: 'src/index.ts' } },
    clean: true,
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
