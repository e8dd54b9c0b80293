// Packed copies of the operands of a product, and the scratch they take: op(B) in strips of
// eight columns ([K][8] per strip) and op(A) in panels of four rows ([K][4] per panel), both
// zero-padded, so the tiles of gemm.ts read contiguous bytes at every step along K.

/** Packs op(B) `[K, N]` into strips of eight columns at `dst`: `dst[s][k][0..8)`, zero-padded. */
export function packB(transB: bool, K: i32, N: i32, b: usize, ldb: i32, dst: usize): void {
  for (let j0 = 0; j0 < N; j0 += 8) {
    const w = min(8, N - j0);
    if (!transB && w == 8) {
      // Whole strips of rows stored contiguously: two vector copies a row.
      for (let k = 0; k < K; k++) {
        const src = b + ((<usize>k * ldb + j0) << 2);
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += 32;
      }
      continue;
    }
    for (let k = 0; k < K; k++) {
      for (let c = 0; c < 8; c++) {
        let v: f32 = 0;
        if (c < w) {
          const j = j0 + c;
          v = transB ? load<f32>(b + ((<usize>j * ldb + k) << 2)) : load<f32>(b + ((<usize>k * ldb + j) << 2));
        }
        store<f32>(dst, v);
        dst += 4;
      }
    }
  }
}

/** Packs op(A) `[M, K]` into panels of four rows at `dst`: `dst[p][k][0..4)`, zero-padded. */
export function packA(transA: bool, M: i32, K: i32, a: usize, lda: i32, dst: usize): void {
  for (let i0 = 0; i0 < M; i0 += 4) {
    const h = min(4, M - i0);
    for (let k = 0; k < K; k++) {
      if (transA && h == 4) {
        v128.store(dst, v128.load(a + ((<usize>k * lda + i0) << 2)));
      } else {
        for (let r = 0; r < 4; r++) {
          let v: f32 = 0;
          if (r < h) {
            const i = i0 + r;
            v = transA ? load<f32>(a + ((<usize>k * lda + i) << 2)) : load<f32>(a + ((<usize>i * lda + k) << 2));
          }
          store<f32>(dst + (<usize>r << 2), v);
        }
      }
      dst += 16;
    }
  }
}

/** Floats of scratch that `gemm` needs for an `[M, K]·[K, N]` product. */
export function gemmScratch(M: i32, N: i32, K: i32): i32 {
  return (((N + 7) & ~7) + ((M + 3) & ~3)) * K + M * N;
}

/** Floats of scratch that {@link packB} writes for op(B) `[K, N]`. */
export function packedSize(K: i32, N: i32): i32 {
  return ((N + 7) & ~7) * K;
}

