import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker entry is the script of the optional worker threads (Model.useThreads).
  entry: { index: 'src/index.ts', node: 'src/node.ts', worker: 'src/parallel/worker.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', node: 'src/node.ts' } },
  shims: true,
  // Each file stands alone, so dist/worker.cjs can be copied next to an app's bundle.
  splitting: false,
  // Marks the build, so the source-only worker path (through tsx) is left out of dist.
  define: { __RNNKIT_BUILD__: 'true' },
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
