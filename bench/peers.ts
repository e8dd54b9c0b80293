/**
 * The peer libraries (tfjs, brain.js, onnxruntime-node, onnxruntime-web) are installed in bench/node_modules, from bench's own
 * package.json, by `npm run bench` on first use; the library's own install never pulls them in.
 * Their adapters (tfjs.ts, brainjs.ts, ort.ts) are loaded by a computed path, so the root `tsc` program
 * does not follow them into packages that may be absent; `npm run typecheck:bench` checks them
 * with bench/tsconfig.json once the peers are installed.
 */
import type { Cell, Figures, Timing, Workload } from './workload.js';

/** What each peer adapter exports: measures one (library, cell) pair. */
export type MeasurePeer = (
  library: string,
  cell: Cell,
  w: Workload,
  timing: Timing,
) => Promise<{ figures: Figures; note?: string }>;

/** The adapter file of each peer library. */
export const PEER_ADAPTERS: Readonly<Record<string, string>> = {
  'tfjs-cpu': './tfjs.js',
  'tfjs-wasm': './tfjs.js',
  'brain.js': './brainjs.js',
  'onnxruntime-node': './ort.js',
  'onnxruntime-web': './ort.js',
};

/** Loads the adapter of a peer library (a variable specifier, so tsc does not follow it). */
export async function loadPeer(library: string): Promise<MeasurePeer> {
  const file = PEER_ADAPTERS[library];
  if (file === undefined) throw new Error(`unknown library '${library}'`);
  const mod = (await import(file)) as { measurePeer: MeasurePeer };
  return mod.measurePeer;
}
