#!/usr/bin/env python3
"""Writes ONNX's backend node test cases for LSTM, GRU and RNN under test/onnx-conformance/.

Each case becomes <case>/model.onnx plus <case>/test_data_set_0/input_<i>.pb and output_<i>.pb,
the layout of ONNX's own test data. The case modules are imported one by one (collecting every
case imports modules that fail on recent NumPy). NumPy's generator is seeded, so the cases that
draw random weights come out the same on every run.

    /usr/bin/python3 scripts/onnx-conformance.py   (Debian's python3-onnx)
"""
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import numpy_helper
import onnx.backend.test.case.node as node_cases
from onnx.backend.test.case.node import gru, lstm, rnn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "onnx-conformance")
PREFIXES = ("test_lstm_", "test_gru_", "test_simple_rnn_", "test_rnn_seq_length")


def main() -> None:
    np.random.seed(0)
    for module, cls in ((lstm, lstm.LSTM), (gru, gru.GRU), (rnn, rnn.RNN)):
        for name in sorted(dir(cls)):
            if name.startswith("export_"):
                getattr(cls, name)()
    # A case may be listed twice (once per model form the suite builds): keep the first.
    unique = {}
    for c in node_cases._NodeTestCases:
        if c.name.startswith(PREFIXES):
            unique.setdefault(c.name, c)
    cases = list(unique.values())
    for case in cases:
        out = os.path.join(ROOT, case.name)
        shutil.rmtree(out, ignore_errors=True)
        data = os.path.join(out, "test_data_set_0")
        os.makedirs(data)
        onnx.save(case.model, os.path.join(out, "model.onnx"))
        inputs, outputs = case.data_sets[0]
        graph = case.model.graph
        for i, (value, info) in enumerate(zip(inputs, graph.input)):
            tensor = numpy_helper.from_array(value, info.name)
            with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
                f.write(tensor.SerializeToString())
        for i, (value, info) in enumerate(zip(outputs, graph.output)):
            tensor = numpy_helper.from_array(value, info.name)
            with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
                f.write(tensor.SerializeToString())
    print(f"{len(cases)} cases written to {os.path.normpath(ROOT)} (onnx {onnx.__version__})")


if __name__ == "__main__":
    sys.exit(main())
