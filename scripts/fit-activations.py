"""Fits the polynomial and rational coefficients of src/kernels/assembly/activation.ts.

Run: python3 scripts/fit-activations.py (numpy). Each fit minimises the maximum relative error
on a dense grid by iteratively reweighted least squares (Lawson's method; for the rational,
Sanathanan-Koerner linearisation), then prints the float32 coefficients and the maximum relative
error of a float32 Horner evaluation without fused multiply-adds (the plain SIMD build).
"""
import numpy as np


def lawson(design, target, scale, iters):
    """Coefficients c minimising max |design(c) - target| / scale by reweighting."""
    w = np.ones(len(target))
    for _ in range(iters):
        s = np.sqrt(w) / scale
        c, *_ = np.linalg.lstsq(design * s[:, None], target * s, rcond=None)
        e = np.abs(design @ c - target) / scale
        w = w * (e / e.max() + 1e-4)
        w /= w.mean()
    return c


def horner32(coeffs, x):
    """coeffs[0] + coeffs[1]·x + ... evaluated in float32, one rounding per operation."""
    p = np.float32(coeffs[-1])
    for c in coeffs[-2::-1]:
        p = (p * x).astype(np.float32) + np.float32(c)
    return p


def fit_exp(degree=6):
    """e^r on |r| <= ln2/2, the range left after exp's reduction by powers of two."""
    h = np.log(2) / 2
    r = np.linspace(-h, h, 20001)
    c = lawson(r[:, None] ** np.arange(degree + 1), np.exp(r), np.exp(r), 200)
    c32 = c.astype(np.float32)
    rr = np.linspace(-h, h, 2000001).astype(np.float32)
    err = np.abs(horner32(c32, rr) / np.exp(rr.astype(np.float64)) - 1).max()
    return c32, err


def fit_tanh(num=4, den=4, limit=9.0, iters=100):
    """tanh(x) = x·P(x²)/Q(x²) on 0 < x <= limit, Q(0) = 1."""
    x = np.concatenate([np.linspace(1e-4, 1, 4000), np.linspace(1, limit, 8000)])
    u = x * x
    f = np.tanh(x) / x
    q_old = np.ones_like(u)
    w = np.ones_like(u)
    for _ in range(iters):
        design = np.hstack([u[:, None] ** np.arange(num + 1),
                            -(f * u)[:, None] * u[:, None] ** np.arange(den)])
        s = np.sqrt(w) / (q_old * f)
        c, *_ = np.linalg.lstsq(design * s[:, None], f * s, rcond=None)
        p, q = c[:num + 1], np.concatenate([[1.0], c[num + 1:]])
        q_old = np.polyval(q[::-1], u)
        e = np.abs(np.polyval(p[::-1], u) / q_old / f - 1)
        w = w * (e / e.max() + 1e-3)
        w /= w.mean()
    p32, q32 = p.astype(np.float32), q.astype(np.float32)
    xs = np.concatenate([np.logspace(-10, 0, 20000), np.linspace(1e-3, limit, 1000000)])
    xs = xs.astype(np.float32)
    uu = xs * xs
    t = np.minimum((xs * horner32(p32, uu)) / horner32(q32, uu), np.float32(1))
    err = (np.abs(t - np.tanh(xs.astype(np.float64))) / np.tanh(xs.astype(np.float64))).max()
    return p32, q32, err


if __name__ == '__main__':
    c, e = fit_exp()
    print('exp, e^r ~ sum c[i] r^i:', ', '.join(f'{v:.10e}' for v in c), f'(float32 error {e:.2e})')
    p, q, e = fit_tanh()
    print('tanh, P:', ', '.join(f'{v:.10e}' for v in p))
    print('tanh, Q:', ', '.join(f'{v:.10e}' for v in q), f'(float32 error {e:.2e})')
