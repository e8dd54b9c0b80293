#!/usr/bin/python3
"""Reads an rnnkit safetensors file into PyTorch and writes one back, with struct and json only.

Run with Debian's python3-torch:
    /usr/bin/python3 scripts/safetensors_torch.py IN.safetensors OUT.safetensors [IN2 OUT2 ...]
For each pair it reads IN (written by rnnkit's model.toSafetensors), loads it into a PyTorch module of the same
configuration (nn.RNN/LSTM/GRU with batch_first=True under `rnn`, nn.Linear under `head`) with a
strict load_state_dict, runs that module on a fixed input and prints the output as one JSON line. It then
writes OUT from the module's state_dict after adding 0.5 to every weight, with the same metadata,
so rnnkit can load a file written by PyTorch.
"""
import json
import struct
import sys

import torch

DTYPES = {"F32": (torch.float32, 4, "<f"), "F64": (torch.float64, 8, "<d")}
MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in header.items():
        dtype, size, fmt = DTYPES[e["dtype"]]
        begin, end = e["data_offsets"]
        raw = data[8 + n + begin:8 + n + end]
        values = struct.unpack("<%d%s" % (len(raw) // size, fmt[1]), raw)
        tensors[name] = torch.tensor(values, dtype=dtype).reshape(e["shape"])
    return tensors, meta


def write(path, tensors, meta):
    # The values differ from the file read, so its checksum does not apply: the file is written
    # the way other safetensors writers do, without one.
    meta = {k: v for k, v in meta.items() if k != "crc32"}
    header = {"__metadata__": meta}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        code = "F64" if t.dtype == torch.float64 else "F32"
        raw = struct.pack("<%d%s" % (t.numel(), DTYPES[code][2][1]), *t.reshape(-1).tolist())
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


class Net(torch.nn.Module):
    def __init__(self, o, dtype):
        super().__init__()
        kwargs = dict(num_layers=o["numLayers"], bias=o["bias"], batch_first=True,
                      bidirectional=o["bidirectional"], dtype=dtype)
        if o["cell"] == "rnn":
            kwargs["nonlinearity"] = o["nonlinearity"]
        self.rnn = MODULES[o["cell"]](o["inputSize"], o["hiddenSize"], **kwargs)
        D = 2 if o["bidirectional"] else 1
        self.head = torch.nn.Linear(D * o["hiddenSize"], o["outputSize"], dtype=dtype)

    def forward(self, x):
        return self.head(self.rnn(x)[0])


def main(src, dst):
    tensors, meta = read(src)
    o = json.loads(meta["options"])
    dtype = torch.float64 if o["dtype"] == "float64" else torch.float32
    net = Net(o, dtype)
    net.load_state_dict(tensors, strict=True)
    for name, t in net.state_dict().items():
        assert torch.equal(t, tensors[name]), name
    x = torch.linspace(-1, 1, 2 * 3 * o["inputSize"], dtype=dtype).reshape(2, 3, o["inputSize"])
    with torch.no_grad():
        y = net(x)
    print(json.dumps({"input": x.reshape(-1).tolist(), "output": y.reshape(-1).tolist()}))
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.5)
    write(dst, net.state_dict(), meta)


if __name__ == "__main__":
    args = sys.argv[1:]
    for i in range(0, len(args), 2):
        main(args[i], args[i + 1])
