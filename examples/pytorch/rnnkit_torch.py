#!/usr/bin/python3
"""rnnkit models in PyTorch and back.

An rnnkit model file is the JSON of `model.toJSON()`: `{"format": "rnnkit-model/1", "options":
{...}, "params": {name: {"shape": [...], "data": [...]}}}`. Parameter names and layouts are
PyTorch's, so `from_json` builds the matching `torch.nn` module and copies the weights in, and
`to_json` writes the module's weights back into a file that `Model.fromJSON` reads.

    import rnnkit_torch
    module = rnnkit_torch.load("model.json")        # an RnnkitModule (torch.nn.Module)
    y = module(x)                                   # x: [B, T, inputSize], batch first
    rnnkit_torch.save(module, "trained.json")

From the command line:

    python3 rnnkit_torch.py predict model.json inputs.json outputs.json
    python3 rnnkit_torch.py roundtrip model.json copy.json
"""
import json
import sys

import torch

FORMAT = "rnnkit-model/1"
CELLS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
DTYPES = {"float32": torch.float32, "float64": torch.float64}


class RnnkitModule(torch.nn.Module):
    """The PyTorch twin of an rnnkit `Model`: `rnn`, an optional Linear `head`, and the initial
    state's parameters (`h0`/`c0` when learned, `h0_encoder`/`c0_encoder` when encoded), under
    the names rnnkit's state dict uses."""

    def __init__(self, options):
        super().__init__()
        self.options = dict(options)
        o = self.options
        if o["cell"] not in CELLS:
            raise ValueError(f"unknown cell {o['cell']!r}: expected rnn, lstm or gru")
        extra = {"nonlinearity": o.get("nonlinearity", "tanh")} if o["cell"] == "rnn" else {}
        self.rnn = CELLS[o["cell"]](o["inputSize"], o["hiddenSize"], num_layers=o["numLayers"],
                                    bias=o["bias"], batch_first=True,
                                    bidirectional=o["bidirectional"], **extra)
        self.slots = o["numLayers"] * (2 if o["bidirectional"] else 1)
        width = o["hiddenSize"] * (2 if o["bidirectional"] else 1)
        self.head = torch.nn.Linear(width, o.get("outputSize")) if o.get("outputSize") else None
        states = ["h0", "c0"] if o["cell"] == "lstm" else ["h0"]
        mode = o["initialState"]
        for name in states:
            if mode == "learned":
                self.register_parameter(name, torch.nn.Parameter(torch.zeros(self.slots, 1, o["hiddenSize"])))
            elif mode == "encoded":
                setattr(self, f"{name}_encoder",
                        torch.nn.Linear(o.get("contextSize"), self.slots * o["hiddenSize"]))
        self.to(DTYPES[o["dtype"]])

    def initial_state(self, name, batch, context, given):
        """h0 or c0 as [slots, B, H] for a batch of `batch` sequences, or None for zeros."""
        mode = self.options["initialState"]
        if given is not None:
            return given
        if mode == "learned":
            return getattr(self, name).expand(-1, batch, -1).contiguous()
        if mode == "encoded":
            if context is None:
                raise ValueError("initialState 'encoded' needs a context [B, contextSize]")
            state = torch.tanh(getattr(self, f"{name}_encoder")(context))  # rows slot-major
            return state.reshape(batch, self.slots, -1).transpose(0, 1).contiguous()
        if mode == "given":
            raise ValueError(f"initialState 'given' needs {name} with every call")
        return None

    def forward(self, x, lengths=None, context=None, h0=None, c0=None):
        """x [B, T, I] -> the head's output [B, T, O] (or [B, O] with head 'last'), or the hidden
        states [B, T, D*H] without a head. `lengths` marks padded steps as absent, as in rnnkit."""
        batch, steps = x.shape[0], x.shape[1]
        h = self.initial_state("h0", batch, context, h0)
        state = h
        if self.options["cell"] == "lstm":
            c = self.initial_state("c0", batch, context, c0)
            state = None if h is None and c is None else (
                h if h is not None else torch.zeros_like(c), c if c is not None else torch.zeros_like(h))
        if lengths is None:
            out, _ = self.rnn(x, state)
            last = out[:, -1]
        else:
            lengths = torch.as_tensor(lengths, dtype=torch.int64)
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                             enforce_sorted=False)
            out, _ = self.rnn(packed, state)
            out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=steps)
            last = out[torch.arange(batch), lengths - 1]
        if self.head is None:
            return out
        if self.options["head"] == "last":
            return self.head(last)
        y = self.head(out)
        if lengths is not None:  # rnnkit's output is zero at padded steps
            mask = torch.arange(steps)[None, :] < lengths[:, None]
            y = y * mask[:, :, None].to(y.dtype)
        return y


def from_json(model):
    """Builds the RnnkitModule of a parsed rnnkit model file and loads its weights."""
    if not isinstance(model, dict) or model.get("format") != FORMAT:
        raise ValueError(f"expected an rnnkit model with format {FORMAT!r}")
    module = RnnkitModule(model["options"])
    dtype = DTYPES[model["options"]["dtype"]]
    state = {name: torch.tensor(p["data"], dtype=dtype).reshape(p["shape"])
             for name, p in model["params"].items()}
    module.load_state_dict(state, strict=True)
    return module


def to_json(module):
    """The rnnkit model file (a dict) of an RnnkitModule, with its current weights."""
    params = {name: {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}
              for name, t in module.state_dict().items()}
    return {"format": FORMAT, "options": dict(module.options), "params": params}


def load(path):
    """Reads an rnnkit model file into an RnnkitModule."""
    with open(path) as f:
        return from_json(json.load(f))


def save(module, path):
    """Writes an RnnkitModule as an rnnkit model file (read it with `Model.fromJSON`)."""
    with open(path, "w") as f:
        json.dump(to_json(module), f)


def tensor(entry, dtype):
    """A `{shape, data}` entry as a tensor."""
    return torch.tensor(entry["data"], dtype=dtype).reshape(entry["shape"])


def encode(t):
    """A tensor as a `{shape, data}` entry."""
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def main(argv):
    if len(argv) == 4 and argv[0] == "predict":
        module = load(argv[1])
        dtype = DTYPES[module.options["dtype"]]
        with open(argv[2]) as f:
            batch = json.load(f)
        context = tensor(batch["contexts"], dtype) if "contexts" in batch else None
        with torch.no_grad():
            y = module(tensor(batch["inputs"], dtype), lengths=batch.get("lengths"), context=context)
        with open(argv[3], "w") as f:
            json.dump(encode(y), f)
    elif len(argv) == 3 and argv[0] == "roundtrip":
        save(load(argv[1]), argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
