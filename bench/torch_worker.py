#!/usr/bin/python3
"""PyTorch figures for one cell of a workload, for bench/run.ts.

usage: torch_worker.py REFERENCE_SCRIPT CELL REPEATS STREAM_MIN_SECONDS THREADS
Env T, I, H, B, O, STEPS are passed on to the reference script.

- Training and inference throughput: the reference script, run REPEATS times in child
  processes (each does its own warm-up step) after torch.set_num_threads(THREADS), median of
  its figures.
- Peak memory: the largest maxrss among those child processes.
- Streaming step latency: measured here, B=1, the state carried from step to step and the
  Linear head applied, under torch.no_grad(), with the thread count the reference reports;
  median of 3 repeats of STREAM_MIN_SECONDS each.
Prints one line: the result marker, then JSON.
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time

MARKER = "@@rnnkit-bench-result "


# Runs the reference script as its own __main__ after setting torch's intra-op thread count.
BOOT = "import runpy, sys, torch; torch.set_num_threads(int(sys.argv[2])); runpy.run_path(sys.argv[1], run_name='__main__')"


def run_reference(script, cell, threads):
    env = dict(os.environ, CELLS=cell.upper())
    proc = subprocess.run([sys.executable, "-c", BOOT, script, str(threads)], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        raise RuntimeError(lines[-1] if lines else "reference exited with %d" % proc.returncode)
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON line from the reference script")


def stream_latency_us(cell, threads, min_seconds, repeats):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    size = {k: int(os.environ.get(k, v)) for k, v in [("I", 16), ("H", 128), ("O", 16)]}
    rnn = getattr(torch.nn, cell.upper())(size["I"], size["H"], batch_first=True)
    head = torch.nn.Linear(size["H"], size["O"])
    x = torch.randn(1, 1, size["I"])
    state = None

    def step():
        nonlocal state
        out, state = rnn(x, state)
        head(out)

    rates = []
    with torch.no_grad():
        for _ in range(20):
            step()
        for _ in range(repeats):
            n = 0
            t0 = time.perf_counter()
            while True:
                step()
                n += 1
                elapsed = time.perf_counter() - t0
                if elapsed >= min_seconds:
                    break
            rates.append(elapsed / n * 1e6)
    return statistics.median(rates)


def main():
    script, cell, repeats, min_seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    runs = [run_reference(script, cell, threads) for _ in range(repeats)]
    library = runs[0]["library"]
    # The reference names itself "pytorch-<version>-cpu-<n>thread".
    reported = int(library.rsplit("-", 1)[1].replace("thread", ""))
    if reported != threads:
        raise RuntimeError("asked torch for %d thread(s), the reference ran on %d" % (threads, reported))
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = {
        "ok": True,
        "figures": {
            "trainSeqPerSec": statistics.median(r["trainSeqPerSec"] for r in runs),
            "inferSeqPerSec": statistics.median(r["inferSeqPerSec"] for r in runs),
            "stepLatencyUs": stream_latency_us(cell, threads, min_seconds, 3),
        },
        "peakRssMB": peak_kb / 1024,
        "note": "%s (reference run %d time(s), %s steps each)" % (
            library, repeats, os.environ.get("STEPS", "20")),
    }
    print(MARKER + json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except Exception as err:  # report any failure as a result line
        print(MARKER + json.dumps({"ok": False, "error": str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__}))
        sys.exit(1)
