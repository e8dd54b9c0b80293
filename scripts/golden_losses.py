"""Golden cases for the Huber, L1 and Gaussian NLL losses, computed by PyTorch in float64.

Writes test/golden-losses/losses.json (format `rnn-loss-golden/1`, described in
test/golden-losses/README.md). Run from the repository root with Debian's PyTorch:

    /usr/bin/python3 scripts/golden_losses.py
"""

import json
import math
import os

import torch

torch.manual_seed(12)
torch.set_default_dtype(torch.float64)

B, T, F = 3, 4, 2


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().flatten().tolist()]}


def reduce(per_step, weights, reduction, per_step_elements):
    """Weighted reduction of per-step errors [B, T]: PyTorch's weighted-mean convention."""
    weighted = per_step * weights
    if reduction == "sum":
        return weighted.sum()
    if reduction == "none":
        return weighted.sum()
    return weighted.sum() / (weights.sum() * per_step_elements)


def elementwise_case(name, loss, options, pred, target, mask, weights, reduction):
    pred = pred.clone().requires_grad_(True)
    if mask is None and weights is None and reduction != "none":
        value = loss(reduction=reduction, **options)(pred, target)
        steps = None
    else:
        w = torch.ones(B, T)
        if mask is not None:
            w = w * mask
        if weights is not None:
            w = w * (weights if weights.dim() == 2 else weights[:, None].expand(B, T))
        per_element = loss(reduction="none", **options)(pred, target)
        per_step = per_element.sum(-1)
        value = reduce(per_step, w, reduction, pred.shape[-1])
        steps = (per_step * w).detach()
    value.backward()
    return record(name.split("_")[0], name, options, reduction, pred, target, mask, weights, value, steps)


def gaussian_case(name, options, pred, target, mask, weights, reduction):
    pred = pred.clone().requires_grad_(True)
    mode = options.get("variance", "log")
    torch_options = {k: v for k, v in options.items() if k != "variance"}
    mean = pred[..., 0:1]
    var = torch.exp(pred[..., 1:2]) if mode == "log" else pred[..., 1:2]
    loss = torch.nn.GaussianNLLLoss
    if mask is None and weights is None and reduction != "none":
        value = loss(reduction=reduction, **torch_options)(mean, target, var)
        steps = None
    else:
        w = torch.ones(B, T)
        if mask is not None:
            w = w * mask
        if weights is not None:
            w = w * (weights if weights.dim() == 2 else weights[:, None].expand(B, T))
        per_step = loss(reduction="none", **torch_options)(mean, target, var).sum(-1)
        value = reduce(per_step, w, reduction, 1)
        steps = (per_step * w).detach()
    value.backward()
    return record(
        "gaussian_nll", "gaussian_nll_" + name, options, reduction, pred, target, mask, weights, value, steps
    )


def record(loss, name, options, reduction, pred, target, mask, weights, value, steps):
    return {
        "name": name,
        "loss": loss,
        "options": {**options, "reduction": reduction},
        "pred": tensor_json(pred),
        "target": tensor_json(target),
        "mask": None if mask is None else tensor_json(mask),
        "weights": None if weights is None else tensor_json(weights),
        "value": float(value),
        "grad": tensor_json(pred.grad),
        "steps": None if steps is None else tensor_json(steps),
    }


def main():
    cases = []
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=torch.float64)
    seq_weights = torch.tensor([0.5, 2.0, 1.0])
    step_weights = torch.rand(B, T) * 2
    for loss_name, loss, option_sets in [
        ("huber", torch.nn.HuberLoss, [{"delta": 1.0}, {"delta": 0.3}]),
        ("l1", torch.nn.L1Loss, [{}]),
    ]:
        for options in option_sets:
            pred = torch.randn(B, T, F) * 1.5
            target = torch.randn(B, T, F)
            tag = "_".join(f"{k}{v}" for k, v in options.items())
            for reduction in ["mean", "sum"]:
                base = f"{loss_name}_{tag}_{reduction}".replace("__", "_")
                cases.append(elementwise_case(base, loss, options, pred, target, None, None, reduction))
                cases.append(
                    elementwise_case(base + "_mask", loss, options, pred, target, mask, None, reduction)
                )
                cases.append(
                    elementwise_case(
                        base + "_mask_seqweights", loss, options, pred, target, mask, seq_weights, reduction
                    )
                )
                cases.append(
                    elementwise_case(
                        base + "_stepweights", loss, options, pred, target, None, step_weights, reduction
                    )
                )
            cases.append(
                elementwise_case(
                    f"{loss_name}_{tag}_none_mask_seqweights".replace("__", "_"),
                    loss, options, pred, target, mask, seq_weights, "none",
                )
            )
    for options in [
        {"variance": "log"},
        {"variance": "log", "full": True},
        {"variance": "value", "eps": 0.1},
        {"variance": "value", "full": True, "eps": 1e-6},
    ]:
        pred = torch.randn(B, T, 2)
        if options["variance"] == "value":
            pred[..., 1] = torch.rand(B, T) * 0.4 + 0.01  # some below eps = 0.1: clamped
        target = torch.randn(B, T, 1)
        tag = "_".join(f"{k}{v}" for k, v in options.items())
        for reduction in ["mean", "sum"]:
            cases.append(gaussian_case(f"{tag}_{reduction}", options, pred, target, None, None, reduction))
            cases.append(gaussian_case(f"{tag}_{reduction}_mask", options, pred, target, mask, None, reduction))
            cases.append(
                gaussian_case(
                    f"{tag}_{reduction}_mask_seqweights", options, pred, target, mask, seq_weights, reduction
                )
            )
            cases.append(
                gaussian_case(f"{tag}_{reduction}_stepweights", options, pred, target, None, step_weights, reduction)
            )
        cases.append(gaussian_case(f"{tag}_none_mask_seqweights", options, pred, target, mask, seq_weights, "none"))
    out = {
        "format": "rnn-loss-golden/1",
        "generator": "scripts/golden_losses.py",
        "torch": torch.__version__,
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "test", "golden-losses", "losses.json")
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
