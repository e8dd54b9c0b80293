/**
 * rnnkit/onnx: models to ONNX files and back, in a subpath of its own so that the main bundle
 * does not carry the protobuf code. `Model` and `Tensor` come from the package entry ('rnnkit'),
 * so the models it builds are the main bundle's; pure helpers are bundled in.
 */
export { toOnnx } from './export.js';
export type { ToOnnxOptions } from './export.js';
export { fromOnnx } from './import.js';
export type { FromOnnxOptions, OnnxWeight } from './import.js';
