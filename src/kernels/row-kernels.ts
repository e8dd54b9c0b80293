// The kernels that work on each row of their operands (one sequence of the batch) apart from
// the others, and how their arguments move for a range of rows: what a team needs to deal
// their rows out to threads (team.ts). The facts come from assembly/cells.ts.

/** The kernels a team may deal out by rows. */
export type RowKernel =
  'lstmForward' | 'lstmBackward' | 'gruForward' | 'gruBackward' | 'rnnForward' | 'rnnBackward';

/** How a row kernel's arguments move for a range of its rows. */
export interface RowSplit {
  /** Whether the kernel counts elements (`n`) rather than rows. */
  readonly elementwise: boolean;
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
    elementwise: false,
    width: (a) => a[ldgAt],
    stride: (a, j) => (j >= 2 && j < ldgAt ? a[ldgAt] : j > ldgAt ? a[1] : 0),
  };
};

/** Elementwise kernels `(n, …pointers, flag)`: each pointer moves one float per element. */
const elementwise = (pointers: number): RowSplit => ({
  elementwise: true,
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

/**
 * The kernels whose calls a team can deal out by batch rows inside one job
 * ({@link KernelTeam.byRows}, team.ts): the row kernels above, row copies and sums, and products
 * of batch rows by a packed matrix. Each thread then runs every call of a step on the same rows,
 * so its rows never wait for another thread's.
 */
export type BatchRowKernel = RowKernel | BatchVectorKernel | 'gemmPackedB';

/** The vector kernels among them (a team takes their calls only inside a batch). */
export type BatchVectorKernel = 'copyRows' | 'addRows' | 'addInto';

/** The vector kernels' names, for wrapping an instance's exports. */
export const BATCH_VECTOR_KERNELS: readonly BatchVectorKernel[] = [
  'copyRows',
  'addRows',
  'addInto',
];

/** How a call's arguments move for a range of batch rows. */
export interface BatchRowSplit {
  /** The argument that counts rows (or elements). */
  readonly count: number;
  /**
   * How much of the count one of `rows` batch rows holds, or 0 where this call does not cover
   * the batch row by row (it then runs as a call of its own).
   */
  perRow(args: readonly number[], rows: number): number;
  /** Floats argument `j` moves per unit of the count (0 for the count and for non-pointers). */
  stride(args: readonly number[], j: number): number;
  /**
   * The argument that is the calling thread's scratch for a panel (`panelScratch()` floats;
   * each thread passes its own), or -1.
   */
  readonly panel: number;
}

/** One count unit per batch row: the call covers the batch when its count is the batch's. */
const wholeRows = (args: readonly number[], rows: number, at = 0): number =>
  args[at] === rows ? 1 : 0;

/** A row kernel of the table above, dealt out by batch rows. */
const rowKernel = (split: RowSplit): BatchRowSplit => ({
  count: 0,
  // Elementwise kernels cover the batch in rows of n / rows elements.
  perRow: (a, rows) =>
    !split.elementwise ? wholeRows(a, rows) : a[0] % rows === 0 ? a[0] / rows : 0,
  stride: split.stride,
  panel: -1,
});

/** Kernels `(rows, n, p0, ld0, p1, ld1, …)`: pointer `j` moves its stride `args[j + 1]` per row. */
const strided = (pointers: number): BatchRowSplit => ({
  count: 0,
  perRow: wholeRows,
  stride: (a, j) => (j >= 2 && j < 2 + 2 * pointers && j % 2 === 0 ? a[j + 1] : 0),
  panel: -1,
});

export const BATCH_ROW_KERNELS: Readonly<Record<BatchRowKernel, BatchRowSplit>> = {
  lstmForward: /* @__PURE__ */ rowKernel(ROW_KERNELS.lstmForward),
  lstmBackward: /* @__PURE__ */ rowKernel(ROW_KERNELS.lstmBackward),
  gruForward: /* @__PURE__ */ rowKernel(ROW_KERNELS.gruForward),
  gruBackward: /* @__PURE__ */ rowKernel(ROW_KERNELS.gruBackward),
  rnnForward: /* @__PURE__ */ rowKernel(ROW_KERNELS.rnnForward),
  rnnBackward: /* @__PURE__ */ rowKernel(ROW_KERNELS.rnnBackward),
  // (rows, n, dst, ldd, src, lds)
  copyRows: /* @__PURE__ */ strided(2),
  // (rows, n, dst, ldd, a, lda, b, ldb)
  addRows: /* @__PURE__ */ strided(3),
  // (dst, src, n): n / rows elements a row.
  addInto: {
    count: 2,
    perRow: (a, rows) => (a[2] % rows === 0 ? a[2] / rows : 0),
    stride: (_, j) => (j < 2 ? 1 : 0),
    panel: -1,
  },
  // (transA, M, N, K, a, lda, pb, c, ldc, acc, bias, scratch): the rows of op(A) and C, where
  // op(A) is A itself; each thread packs its panels of A into scratch of its own.
  gemmPackedB: {
    count: 1,
    perRow: (a, rows) => (a[0] === 0 ? wholeRows(a, rows, 1) : 0),
    stride: (a, j) => (j === 4 ? a[5] : j === 7 ? a[8] : 0),
    panel: 11,
  },
};
