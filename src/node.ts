/**
 * rnnkit/node: model files on disk, for Node apps. Kept apart from the main entry so browser
 * bundles never reach `node:fs`.
 * @module rnnkit/node
 */
export { saveModel, loadModel, loadForecaster, writeFileAtomic } from './node/files.js';
export type { ModelFile } from './io/browser-storage.js';
