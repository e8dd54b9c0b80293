#!/usr/bin/python3
"""Exports an rnnkit model's weights as ONNX, through torch.onnx.export, for bench/ort.ts.

usage: onnx_export.py WEIGHTS.safetensors CELL I H O OUT.onnx

WEIGHTS holds the model's state dict under its PyTorch names (rnn.weight_ih_l0, ...,
head.weight, head.bias), as written by rnnkit's Model.toSafetensors(). The exported graph
takes x [B, T, I] and the initial state (h0, and c0 for an LSTM, each [1, B, H]) and returns
y [B, T, O] (the Linear head at every step) and the final state, so one file serves both
batched inference (zero state) and the streaming step (B=1, T=1, state fed back).
"""
import json
import struct
import sys

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    body = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError("%s is %s, expected F32" % (name, info["dtype"]))
        start, end = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(body[start:end]), dtype=torch.float32).reshape(info["shape"])
    return out


class Net(torch.nn.Module):
    def __init__(self, cell, i, h, o):
        super().__init__()
        self.cell = cell
        self.rnn = getattr(torch.nn, cell.upper())(i, h, batch_first=True)
        self.head = torch.nn.Linear(h, o)

    def forward(self, x, *state):
        s = (state[0], state[1]) if self.cell == "lstm" else state[0]
        out, s = self.rnn(x, s)
        y = self.head(out)
        return (y, s[0], s[1]) if self.cell == "lstm" else (y, s)


def main():
    weights, cell, i, h, o, out = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6]), sys.argv[6]
    net = Net(cell, i, h, o)
    net.load_state_dict(read_safetensors(weights), strict=True)
    net.eval()
    n_state = 2 if cell == "lstm" else 1
    x = torch.zeros(2, 3, i)
    state = tuple(torch.zeros(1, 2, h) for _ in range(n_state))
    state_names = ["h0", "c0"][:n_state]
    out_names = ["y"] + ["hn", "cn"][:n_state]
    axes = {"x": {0: "B", 1: "T"}, "y": {0: "B", 1: "T"}}
    for name in state_names + out_names[1:]:
        axes[name] = {1: "B"}
    with torch.no_grad():
        torch.onnx.export(net, (x, *state), out, input_names=["x"] + state_names,
                          output_names=out_names, dynamic_axes=axes, opset_version=14)


if __name__ == "__main__":
    main()
