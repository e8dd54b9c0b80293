#!/usr/bin/python3
"""PyTorch figures for one cell of a workload, for bench/run.ts.

usage: torch_worker.py CELL THREADS WARMUP REPEATS MIN_REPEAT_SECONDS MAX_TOTAL_SECONDS
       torch_worker.py --blas   (prints the BLAS report and probe, one thread)
Env T, I, H, B, O give the workload; OPENBLAS_NUM_THREADS is set by the driver to THREADS.

The timed work mirrors ../shared/bench/torch_reference.py: torch.nn.RNN/LSTM/GRU
(batch_first) and a Linear head at every step; a training step is zero_grad, forward, MSE,
backward and SGD (lr 0.01); inference is the forward pass under torch.no_grad(); a streaming
step is B=1, T=1 with the state carried and the head applied. Each figure is the median over
the repeats of wall time (time.perf_counter) and CPU time (time.process_time: every thread of
this process) per unit.

Before timing it reports the BLAS torch runs on (its build configuration, the BLAS library
loaded into this process, OpenBLAS's own configuration and core) and times a 512x512x512
float32 product; below MIN_GFLOPS it refuses to report.
Prints one line: the result marker, then JSON.
"""
import ctypes
import json
import os
import resource
import statistics
import sys
import time

import torch

MARKER = "@@rnnkit-bench-result "
# RNNKIT_BENCH_MIN_GFLOPS overrides the bound (the tests raise it to see the refusal).
MIN_GFLOPS = float(os.environ.get("RNNKIT_BENCH_MIN_GFLOPS", "10"))


def loaded_blas():
    """Paths of the BLAS libraries mapped into this process."""
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and ("blas" in parts[5].lower()):
                paths.add(parts[5])
    return sorted(paths)


def openblas_info(paths):
    """OpenBLAS's configuration string and core name, when an OpenBLAS is loaded."""
    for p in paths:
        try:
            lib = ctypes.CDLL(p)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return "%s, core %s" % (lib.openblas_get_config().decode(), lib.openblas_get_corename().decode())
        except (OSError, AttributeError):
            continue
    return None


def blas_line(config):
    for line in config.splitlines():
        if "BLAS_INFO" in line:
            for part in line.split(","):
                if "BLAS_INFO" in part:
                    return part[part.index("BLAS_INFO"):].strip()
    return "BLAS_INFO not in torch.__config__.show()"


def probe_gflops():
    """GFLOP/s of a 512x512x512 float32 product (best of 5 batches)."""
    n = 512
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        torch.mm(a, b)
    best = 0.0
    for _ in range(5):
        reps = 10
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b)
        best = max(best, 2 * n ** 3 * reps / (time.perf_counter() - t0) / 1e9)
    return best


def time_rate(fn, units, warmup, repeats, min_s, max_total_s):
    """Median wall and CPU microseconds per unit, like timeRate in workload.ts."""
    single = 0.0
    warm = 0.0
    for i in range(max(1, warmup)):
        if i > 0 and warm >= max_total_s / 2:
            break
        t0 = time.perf_counter()
        fn()
        single = time.perf_counter() - t0
        warm += single
    repeats = max(1, min(repeats, int(max_total_s // max(single, min_s))))
    wall, cpu = [], []
    for _ in range(repeats):
        calls = 0
        c0 = time.process_time()
        t0 = time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= min_s:
                break
        cpu.append((time.process_time() - c0) / (calls * units) * 1e6)
        wall.append(elapsed / (calls * units) * 1e6)
    return {"wallUs": statistics.median(wall), "cpuUs": statistics.median(cpu)}


def measure(cell, threads, timing):
    T, I, H, B, O = [int(os.environ[k]) for k in ("T", "I", "H", "B", "O")]
    torch.manual_seed(0)
    rnn = getattr(torch.nn, cell.upper())(I, H, batch_first=True)
    head = torch.nn.Linear(H, O)
    opt = torch.optim.SGD(list(rnn.parameters()) + list(head.parameters()), lr=0.01)
    x, y = torch.randn(B, T, I), torch.randn(B, T, O)

    def train_step():
        opt.zero_grad()
        out, _ = rnn(x)
        loss = torch.nn.functional.mse_loss(head(out), y)
        loss.backward()
        opt.step()

    figures = {"train": time_rate(train_step, B, *timing)}
    with torch.no_grad():
        figures["infer"] = time_rate(lambda: head(rnn(x)[0]), B, *timing)
        if threads == 1:
            xt = torch.randn(1, 1, I)
            state = None

            def stream_step():
                nonlocal state
                out, state = rnn(xt, state)
                head(out)

            figures["step"] = time_rate(stream_step, 1, *timing)
    return figures


def blas_report(threads):
    """What torch runs its products on and how fast, or an error when that is a slow BLAS."""
    gflops = probe_gflops()  # also loads the BLAS into the process
    paths = loaded_blas()
    blas = "%s; loaded %s; %s" % (blas_line(torch.__config__.show()), ", ".join(paths) or "no BLAS library",
                                  openblas_info(paths) or "not OpenBLAS")
    probe = "512x512x512 sgemm %.1f GFLOP/s on %d thread(s)" % (gflops, threads)
    if gflops < MIN_GFLOPS:
        raise RuntimeError("PyTorch runs on a slow BLAS (%s, below %.0f): %s. Install an optimized "
                           "BLAS (apt-get install libopenblas0-pthread)" % (probe, MIN_GFLOPS, blas))
    return "%s; %s" % (probe, blas)


def main():
    if sys.argv[1] == "--blas":
        torch.set_num_threads(1)
        print(blas_report(1))
        return
    cell, threads = sys.argv[1], int(sys.argv[2])
    timing = (int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]))
    torch.set_num_threads(threads)
    if torch.get_num_threads() != threads:
        raise RuntimeError("asked torch for %d thread(s), it runs %d" % (threads, torch.get_num_threads()))
    blas = blas_report(threads)
    figures = measure(cell, threads, timing)
    result = {
        "ok": True,
        "figures": figures,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "note": "pytorch %s, OPENBLAS_NUM_THREADS=%s, OMP_WAIT_POLICY=%s, torch threads %d; %s" % (
            torch.__version__, os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"),
            os.environ.get("OMP_WAIT_POLICY", "(unset)"), threads, blas),
    }
    print(MARKER + json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # report any failure as a result line
        text = str(err).strip()
        print(MARKER + json.dumps({"ok": False, "error": text.splitlines()[0] if text else type(err).__name__}))
        sys.exit(1)
