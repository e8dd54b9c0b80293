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
  /** Floats argument `j` moves per row: 0 for the count (argument 0) and for non-pointers. */
  stride(args: readonly number[], j: number): number;
}

/**
 * Fused gate steps `(rows, H, …gates, ldg, …states)`: gate pointers move a gate row (`ldg`)
 * per row, state pointers (`[rows, H]`) move H.
 */
const gated = (gatePointers: number): RowSplit => {
  const ldgAt = 2 + gatePointers;
  return {
    unit: 1,
    width: (a) => a[ldgAt],
    stride: (a, j) => (j >= 2 && j < ldgAt ? a[ldgAt] : j > ldgAt ? a[1] : 0),
  };
};

/** Elementwise kernels `(n, …pointers, flag)`: each pointer moves one float per element. */
const elementwise = (pointers: number): RowSplit => ({
  unit: 4,
  width: () => 1,
  stride: (_, j) => (j >= 1 && j <= pointers ? 1 : 0),
});

// Calls marked pure, so that a bundle without the model drops this table.
export const ROW_KERNELS: Readonly<Record<RowKernel, RowSplit>> = {
  // (rows, H, g, ldg, cPrev, c, tc, h)
  lstmForward: /* @__PURE__ */ gated(1),
  // (rows, H, g, ldg, cPrev, tc, dh, dc)
  lstmBackward: /* @__PURE__ */ gated(1),
  // (rows, H, x, hp, ldg, hPrev, hn, h)
  gruForward: /* @__PURE__ */ gated(2),
  // (rows, H, g, gh, ldg, hPrev, hn, dh, direct)
  gruBackward: /* @__PURE__ */ gated(2),
  // (n, pre, h, relu)
  rnnForward: /* @__PURE__ */ elementwise(2),
  // (n, h, dh, dg, relu)
  rnnBackward: /* @__PURE__ */ elementwise(3),
};

/** The row kernels' names, for wrapping an instance's exports. */
export const ROW_KERNEL_NAMES = /* @__PURE__ */ Object.keys(ROW_KERNELS) as RowKernel[];
