import type { WasmExports } from './wasm.js';

// The kernels that work on each row of their operands (one sequence of the batch) apart from
// the others, and how their arguments move for a range of rows: what a team needs to deal
// their rows out to threads (team.ts). The facts come from assembly/cells.ts.

/** The kernels a team may deal out by rows. */
export type RowKernel =
  'lstmForward' | 'lstmBackward' | 'gruForward' | 'gruBackward' | 'rnnForward' | 'rnnBackward';

/** How a row kernel's arguments move for a range of its rows. */
export interface RowSplit {
  /** Rows are dealt in multiples of this (elementwise kernels keep whole vectors of four). */
  readonly unit: number;
  /** Elements a row holds, for the size test. */
  width(args: readonly number[]): number;
  /** Per argument, the floats a pointer moves per row (0: not a row pointer). Argument 0 counts the rows. */
  strides(args: readonly number[]): readonly number[];
}

/**
 * Fused gate steps `(rows, H, …gates, ldg, …states)`: gate pointers move a gate row (`ldg`)
 * per row, state pointers (`[rows, H]`) move H.
 */
const gated = (gatePointers: number, statePointers: number): RowSplit => ({
  unit: 1,
  width: (a) => a[2 + gatePointers],
  strides: (a) => [
    0,
    0,
    ...Array<number>(gatePointers).fill(a[2 + gatePointers]),
    0,
    ...Array<number>(statePointers).fill(a[1]),
  ],
});

/** Elementwise kernels: the first argument counts elements, each pointer moves one per element. */
const elementwise = (pointers: number): RowSplit => ({
  unit: 4,
  width: () => 1,
  strides: () => [0, ...Array<number>(pointers).fill(1), 0],
});

// Calls marked pure, so that a bundle without the model drops this table.
export const ROW_KERNELS: Readonly<Record<RowKernel, RowSplit>> = {
  // (rows, H, g, ldg, cPrev, c, tc, h)
  lstmForward: /* @__PURE__ */ gated(1, 4),
  // (rows, H, g, ldg, cPrev, tc, dh, dc)
  lstmBackward: /* @__PURE__ */ gated(1, 4),
  // (rows, H, x, hp, ldg, hPrev, hn, h)
  gruForward: /* @__PURE__ */ gated(2, 3),
  // (rows, H, g, gh, ldg, hPrev, hn, dh, direct)
  gruBackward: /* @__PURE__ */ gated(2, 4),
  // (n, pre, h, relu)
  rnnForward: /* @__PURE__ */ elementwise(2),
  // (n, h, dh, dg, relu)
  rnnBackward: /* @__PURE__ */ elementwise(3),
};

/** The row kernels' names, for wrapping an instance's exports. */
export const ROW_KERNEL_NAMES = /* @__PURE__ */ Object.keys(ROW_KERNELS) as RowKernel[];

/** A row kernel's parameters as numbers (flags as 0 and 1). */
export type RowKernelArgs<K extends RowKernel> = Parameters<WasmExports[K]>;
