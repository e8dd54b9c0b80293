import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Examples import the package by name; in this repository the name means the sources.
  resolve: {
    alias: [
      {
        find: /^rnnkit\/node$/,
        replacement: fileURLToPath(new URL('src/node.ts', import.meta.url)),
      },
      { find: /^rnnkit$/, replacement: fileURLToPath(new URL('src/index.ts', import.meta.url)) },
      {
        find: /^rnnkit\/onnx$/,
        replacement: fileURLToPath(new URL('src/onnx/index.ts', import.meta.url)),
      },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
