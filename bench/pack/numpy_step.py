#!/usr/bin/env python3
"""NumPy reference of the paper-mode step (full-batch Adam on the sphere, packing term = mean over
identities of the cosine to the nearest other identity), float32 on the machine's BLAS.

  python3 numpy_step.py step    N D [iters]      -> JSON: seconds per step
  python3 numpy_step.py quality N D seconds [lr] -> JSON: min angle reached in the budget
  python3 numpy_step.py symmetry N D             -> JSON: x @ x.T (NumPy calls BLAS syrk: half the
                                                    FLOPs) against x @ y.T with y a copy (full gemm)
  python3 numpy_step.py matmul N D [reps]        -> JSON: best wall/CPU s and GFLOPS of gemm and syrk
  GRAM=syrk|gemm picks the Gram form of the step (default syrk); every JSON line names the OpenBLAS kernel.
"""
import json, os, sys, time
import numpy as np
from blas_info import blas_info

GRAM = os.environ.get('GRAM', 'syrk')
if GRAM not in ('syrk', 'gemm'):
    sys.exit('GRAM must be syrk or gemm')

B1, B2, EPS = 0.9, 0.999, 1e-8


def init(n, d, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def gram(x):
    # syrk: NumPy sees x @ x.T and calls BLAS syrk (half the FLOPs); gemm: a contiguous copy of x.T
    # makes it a plain sgemm, which the native AVX-512 kernel runs faster than syrk on this machine
    return x @ x.T if GRAM == 'syrk' else x @ np.ascontiguousarray(x.T)


def nearest(x):
    s = gram(x)
    np.fill_diagonal(s, -np.inf)
    nn = s.argmax(axis=1)
    return nn, s[np.arange(len(x)), nn]


def step(x, m, v, t, lr):
    n = len(x)
    nn, cos = nearest(x)
    g = x[nn] / n
    np.add.at(g, nn, x / n)
    g -= np.sum(g * x, axis=1, keepdims=True) * x
    m *= B1; m += (1 - B1) * g
    v *= B2; v += (1 - B2) * g * g
    mh = m / (1 - B1 ** t)
    vh = v / (1 - B2 ** t)
    x -= lr * mh / (np.sqrt(vh) + EPS)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return cos


def min_angle(x, block=2048):
    best = -1.0
    for s in range(0, len(x), block):
        g = x[s:s + block] @ x.T
        g[np.arange(len(g)), np.arange(s, s + len(g))] = -np.inf
        best = max(best, float(g.max()))
    return float(np.degrees(np.arccos(min(1.0, best))))


def main():
    what, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    x = init(n, d)
    m = np.zeros_like(x); v = np.zeros_like(x)
    info = {'gram': GRAM, 'openblas': blas_info()}
    if what == 'matmul':
        reps = int(sys.argv[4]) if len(sys.argv) > 4 else 3
        xt = np.ascontiguousarray(x.T)
        out = {}
        for name, f in (('gemm', lambda: x @ xt), ('syrk', lambda: x @ x.T)):
            f()
            bw, bc = 1e9, 0.0
            for _ in range(reps):
                t0 = time.perf_counter(); c0 = time.process_time(); f()
                w = time.perf_counter() - t0
                if w < bw:
                    bw, bc = w, time.process_time() - c0
            out[name] = {'wall_s': round(bw, 4), 'cpu_s': round(bc, 4), 'gflops_as_full': round(2 * n * n * d / bw / 1e9, 1)}
        print(json.dumps({'impl': 'numpy', 'n': n, 'd': d, **out, 'openblas': info['openblas']}))
    elif what == 'symmetry':
        y = x.copy()
        def best(f, r=3):
            f()
            out = []
            for _ in range(r):
                t0 = time.perf_counter(); f(); out.append(time.perf_counter() - t0)
            return min(out)
        print(json.dumps({'impl': 'numpy', 'n': n, 'd': d, 'xxT_sec': best(lambda: x @ x.T), 'xyT_sec': best(lambda: x @ y.T), **info}))
    elif what == 'step':
        iters = int(sys.argv[4]) if len(sys.argv) > 4 else 5
        step(x, m, v, 1, 0.01)  # warm-up
        t0 = time.perf_counter(); c0 = time.process_time()
        for t in range(2, iters + 2):
            step(x, m, v, t, 0.01)
        print(json.dumps({'impl': 'numpy', 'n': n, 'd': d, 'sec_per_step': (time.perf_counter() - t0) / iters,
                          'cpu_sec_per_step': (time.process_time() - c0) / iters, **info}))
    else:
        budget = float(sys.argv[4]); lr = float(sys.argv[5]) if len(sys.argv) > 5 else 0.01
        t0 = time.perf_counter(); t = 0; best = -1.0; bestx = x.copy()
        while time.perf_counter() - t0 < budget:
            t += 1
            cos = step(x, m, v, t, lr)
            a = float(np.degrees(np.arccos(min(1.0, float(cos.max())))))  # of the pre-step iterate
            if a > best:
                best = a
        print(json.dumps({'impl': 'numpy-paper', 'n': n, 'd': d, 'seconds': budget, 'iterations': t, 'min_angle_deg': max(best, min_angle(x)), **info}))


if __name__ == '__main__':
    main()
