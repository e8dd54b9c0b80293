#!/usr/bin/python3
"""Writes PyTorch reference results for rnnkit's optimizers and gradient clipping.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/golden_optim.py
It writes test/golden-optim/optimizers.json (read by test/optim.test.ts and test/clip.test.ts):
- "optimizers": one fixed parameter vector updated by a fixed sequence of gradients through
  torch.optim in float64, with the parameters after every step, for each configuration;
- "clip": torch.nn.utils.clip_grad_norm_ and clip_grad_value_ over a few gradient tensors.
Option names are stored in rnnkit's camelCase form.
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "test", "golden-optim", "optimizers.json")
STEPS = 4

# rnnkit option name -> torch.optim keyword
TORCH_NAMES = {"weightDecay": "weight_decay", "lrDecay": "lr_decay",
               "initialAccumulatorValue": "initial_accumulator_value"}
TORCH_CLASSES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
                 "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}

CONFIGS = [
    ("SGD", "sgd", {"lr": 0.1}),
    ("SGD with momentum", "sgd", {"lr": 0.1, "momentum": 0.9}),
    ("SGD with momentum and dampening", "sgd", {"lr": 0.1, "momentum": 0.8, "dampening": 0.3}),
    ("SGD with Nesterov momentum", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD with weight decay", "sgd", {"lr": 0.1, "weightDecay": 0.2}),
    ("Adam with defaults", "adam", {"lr": 0.001}),
    ("Adam with other betas and weight decay", "adam",
     {"lr": 0.05, "betas": [0.8, 0.95], "eps": 1e-6, "weightDecay": 0.1}),
    ("AdamW with defaults", "adamw", {"lr": 0.001}),
    ("AdamW with other betas and weight decay", "adamw",
     {"lr": 0.05, "betas": [0.8, 0.95], "eps": 1e-6, "weightDecay": 0.3}),
    ("RMSprop with defaults", "rmsprop", {"lr": 0.01}),
    ("RMSprop with momentum", "rmsprop", {"lr": 0.01, "momentum": 0.7}),
    ("RMSprop centered", "rmsprop", {"lr": 0.01, "alpha": 0.9, "centered": True}),
    ("RMSprop with centered, momentum and weight decay", "rmsprop",
     {"lr": 0.02, "alpha": 0.95, "eps": 1e-6, "momentum": 0.5, "centered": True,
      "weightDecay": 0.05}),
    ("Adagrad with defaults", "adagrad", {"lr": 0.01}),
    ("Adagrad with lr decay, initial accumulator and weight decay", "adagrad",
     {"lr": 0.1, "lrDecay": 0.05, "initialAccumulatorValue": 0.3, "eps": 1e-8, "weightDecay": 0.1}),
]


def floats(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def run_optimizer(kind, options, params, grads):
    p = params.clone().requires_grad_(True)
    kwargs = {TORCH_NAMES.get(k, k): (tuple(v) if k == "betas" else v) for k, v in options.items()}
    opt = TORCH_CLASSES[kind]([p], **kwargs)
    steps = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        steps.append(floats(p))
    return steps


def tensors(gen, shapes, scale):
    return [torch.randn(s, generator=gen) * scale for s in shapes]


def enc(ts):
    return [{"shape": list(t.shape), "data": floats(t)} for t in ts]


def clip_norm_case(name, grads, max_norm, norm_type):
    ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    return {"name": name, "kind": "norm", "maxNorm": max_norm,
            "normType": "inf" if norm_type == float("inf") else 2,
            "grads": enc(grads), "totalNorm": float(total), "clipped": enc([p.grad for p in ps])}


def clip_value_case(name, grads, value):
    ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(ps, value)
    return {"name": name, "kind": "value", "clipValue": value,
            "grads": enc(grads), "clipped": enc([p.grad for p in ps])}


def main():
    gen = torch.Generator().manual_seed(1234)
    params = torch.randn(7, generator=gen)
    params[3] = 0.0  # a parameter at exactly zero
    grads = [torch.randn(7, generator=gen) for _ in range(STEPS)]
    grads[0][5] = 0.0  # a zero first gradient (no curvature yet for the adaptive methods)
    optimizers = [{"name": name, "optimizer": kind, "options": options,
                   "steps": run_optimizer(kind, options, params, grads)}
                  for name, kind, options in CONFIGS]

    shapes = [(3, 4), (5,), (2, 2, 2)]
    big = tensors(gen, shapes, 2.0)
    small = tensors(gen, shapes, 0.01)
    exact = [torch.tensor([3.0, 0.0]), torch.tensor([[-4.0]])]  # L2 norm exactly 5
    inf = float("inf")
    clip = [
        clip_norm_case("L2 norm above the threshold", big, 1.0, 2.0),
        clip_norm_case("max-abs norm above the threshold", big, 0.5, inf),
        clip_norm_case("L2 norm under the threshold", small, 1.0, 2.0),
        clip_norm_case("max-abs norm under the threshold", small, 1.0, inf),
        clip_norm_case("L2 norm equal to the threshold", exact, 5.0, 2.0),
        clip_value_case("clamp by value", big, 1.5),
    ]

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"format": "rnnkit-optim-golden/1", "torch": torch.__version__,
                   "params": floats(params), "grads": [floats(g) for g in grads],
                   "optimizers": optimizers, "clip": clip}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
