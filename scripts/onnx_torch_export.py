#!/usr/bin/env python3
"""Exports PyTorch recurrent models with torch.onnx.export, for the rnnkit/onnx tests.

For each case it writes <out>/<case>.onnx and <out>/<case>.json: the input it ran (and h0/c0
when the module takes them), PyTorch's outputs, and whether the module is batch-first.

    /usr/bin/python3 scripts/onnx_torch_export.py OUT_DIR   (Debian's python3-torch)
"""
import json
import os
import sys
import warnings

import torch

warnings.filterwarnings("ignore")


class Net(torch.nn.Module):
    def __init__(self, cell, layers, bidirectional, batch_first, bias=True, nonlinearity=None,
                 embedding=False, head=None, last=False, given=False):
        super().__init__()
        kwargs = {"nonlinearity": nonlinearity} if nonlinearity else {}
        self.emb = torch.nn.Embedding(9, 3) if embedding else None
        self.rnn = getattr(torch.nn, cell)(3, 4, num_layers=layers, bidirectional=bidirectional,
                                           batch_first=batch_first, bias=bias, **kwargs)
        width = 8 if bidirectional else 4
        self.head = torch.nn.Linear(width, head) if head else None
        self.last, self.batch_first, self.given, self.cell = last, batch_first, given, cell

    def forward(self, x, *state):
        if self.emb is not None:
            x = self.emb(x)
        if self.given:
            hx = (state[0], state[1]) if self.cell == "LSTM" else state[0]
            y, final = self.rnn(x, hx)
        else:
            y, final = self.rnn(x)
        if self.last:
            y = y[:, -1] if self.batch_first else y[-1]
        if self.head is not None:
            y = self.head(y)
        h = final[0] if self.cell == "LSTM" else final
        return y, h


CASES = {
    "lstm_2layer_bi_linear": dict(cell="LSTM", layers=2, bidirectional=True, batch_first=True, head=2),
    "gru_embedding_last": dict(cell="GRU", layers=1, bidirectional=False, batch_first=True,
                               embedding=True, head=3, last=True),
    "rnn_relu_time_major": dict(cell="RNN", layers=1, bidirectional=False, batch_first=False,
                                nonlinearity="relu"),
    "lstm_3layer_given_state": dict(cell="LSTM", layers=3, bidirectional=False, batch_first=True,
                                    head=1, given=True),
    "gru_2layer_bi_no_bias": dict(cell="GRU", layers=2, bidirectional=True, batch_first=True, bias=False),
    "rnn_bi_last_linear": dict(cell="RNN", layers=1, bidirectional=True, batch_first=True, head=2,
                               last=True),
}


def listed(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).double().tolist()}


def main(out):
    torch.manual_seed(0)
    B, T = 3, 5
    for name, spec in CASES.items():
        net = Net(**spec).eval()
        L = spec["layers"] * (2 if spec["bidirectional"] else 1)
        if spec.get("embedding"):
            x = torch.randint(0, 9, (B, T))
        else:
            x = torch.randn((B, T, 3) if spec["batch_first"] else (T, B, 3))
        args = [x]
        names = ["input"]
        if spec.get("given"):
            args += [torch.randn(L, B, 4) for _ in range(2 if spec["cell"] == "LSTM" else 1)]
            names += ["h0", "c0"][: len(args) - 1]
        axes = {"input": {0: "batch", 1: "time"} if spec["batch_first"] else {0: "time", 1: "batch"}}
        torch.onnx.export(net, tuple(args), os.path.join(out, name + ".onnx"), opset_version=14,
                          input_names=names, output_names=["output", "h"], dynamic_axes=axes)
        with torch.no_grad():
            y, h = net(*args)
        record = {"batch_first": spec["batch_first"], "input": listed(x), "output": listed(y), "h": listed(h)}
        for n, a in zip(names[1:], args[1:]):
            record[n] = listed(a)
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(record, f)
    print(len(CASES))


if __name__ == "__main__":
    main(sys.argv[1])
