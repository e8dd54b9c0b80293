/**
 * rnnkit/onnx: models to ONNX files and back. A subpath of its own, so the main bundle does not
 * carry the protobuf code.
 */
export { toOnnx } from './export.js';
export type { ToOnnxOptions } from './export.js';
export { fromOnnx } from './import.js';
export type { FromOnnxOptions } from './import.js';
