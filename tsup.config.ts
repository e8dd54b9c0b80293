import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker entry is the script of the optional worker threads (Model.useThreads).
  entry: { index: 'src/index.ts', worker: 'src/parallel/worker.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  shims: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
