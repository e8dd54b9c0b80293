#!/usr/bin/python3
"""Writes extra PyTorch reference cases in the golden formats of test/golden (see its README).

Run with Debian's python3-torch:  /usr/bin/python3 scripts/golden_extra.py test/golden-extra
The cases cover what the shared set does not: deeper and bidirectional gated stacks, no bias,
single steps, learned LSTM states, other Adam betas, clipping with sum reduction.
"""
import json
import os
import sys

import torch

torch.set_default_dtype(torch.float64)
MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
# Optimizer settings are stored with torch.optim's keyword names.
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
              "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad}


def enc(x):
    x = x.detach().contiguous()
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def config(I, H, L=1, bidirectional=False, bias=True, nonlinearity="tanh"):
    return dict(inputSize=I, hiddenSize=H, numLayers=L, nonlinearity=nonlinearity, bias=bias,
                bidirectional=bidirectional)


def build(cell, cfg):
    extra = {"nonlinearity": cfg["nonlinearity"]} if cell == "rnn" else {}
    return MODULES[cell](cfg["inputSize"], cfg["hiddenSize"], num_layers=cfg["numLayers"], bias=cfg["bias"],
                         batch_first=True, bidirectional=cfg["bidirectional"], **extra)


def slots(cfg):
    return cfg["numLayers"] * (2 if cfg["bidirectional"] else 1)


def forward_case(name, cell, cfg, B, T, seed, given_state):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    rnn = build(cell, cfg)
    S, H = slots(cfg), cfg["hiddenSize"]
    x = torch.randn(B, T, cfg["inputSize"], generator=gen, requires_grad=True)
    h0 = c0 = None
    if given_state:
        h0 = torch.randn(S, B, H, generator=gen, requires_grad=True)
        if cell == "lstm":
            c0 = torch.randn(S, B, H, generator=gen, requires_grad=True)
    state = None if h0 is None else ((h0, c0) if cell == "lstm" else h0)
    out, fin = rnn(x, state)
    hn, cn = fin if cell == "lstm" else (fin, None)
    g_out = torch.randn(out.shape, generator=gen)
    g_hn = torch.randn(hn.shape, generator=gen)
    g_cn = torch.randn(cn.shape, generator=gen) if cn is not None else None
    loss = (out * g_out).sum() + (hn * g_hn).sum() + ((cn * g_cn).sum() if cn is not None else 0)
    loss.backward()
    grads = {n: enc(p.grad) for n, p in rnn.named_parameters()}
    grads["input"] = enc(x.grad)
    if h0 is not None:
        grads["h0"] = enc(h0.grad)
    if c0 is not None:
        grads["c0"] = enc(c0.grad)
    return {
        "format": "rnn-golden/1", "name": name, "cell": cell, "config": cfg, "dtype": "float64",
        "batchSize": B, "seqLen": T, "params": {n: enc(p) for n, p in rnn.named_parameters()},
        "input": enc(x), "h0": enc(h0) if h0 is not None else None, "c0": enc(c0) if c0 is not None else None,
        "output": enc(out), "hn": enc(hn), "cn": enc(cn) if cn is not None else None,
        "gradOutput": enc(g_out), "gradHn": enc(g_hn), "gradCn": enc(g_cn) if g_cn is not None else None,
        "loss": float(loss), "grads": grads,
    }


def train_case(name, cell, cfg, O, B, T, seed, loss_spec, opt_spec, clip, steps, learned=False, mode=None):
    """mode: None (zeros, or learned when `learned`), "given" (fixed h0/c0 in the case), or
    ("encoded", C): h0 = tanh(W c + b) per sequence, encoder rows slot-major like rnnkit's."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    rnn = build(cell, cfg)
    S, H = slots(cfg), cfg["hiddenSize"]
    head = torch.nn.Linear(H * (2 if cfg["bidirectional"] else 1), O)
    named = {"rnn." + n: p for n, p in rnn.named_parameters()}
    named["head.weight"], named["head.bias"] = head.weight, head.bias
    if learned:
        named["h0"] = torch.nn.Parameter(0.2 * torch.randn(S, 1, H, generator=gen))
        if cell == "lstm":
            named["c0"] = torch.nn.Parameter(0.2 * torch.randn(S, 1, H, generator=gen))
    extra = {}
    given = None
    if mode == "given":
        h = torch.randn(S, B, H, generator=gen)
        given = (h, torch.randn(S, B, H, generator=gen)) if cell == "lstm" else h
        extra["h0"] = enc(h)
        if cell == "lstm":
            extra["c0"] = enc(given[1])
    encoders = {}
    if isinstance(mode, tuple):
        C = mode[1]
        for state in (["h0", "c0"] if cell == "lstm" else ["h0"]):
            lin = torch.nn.Linear(C, S * H)
            encoders[state] = lin
            named[state + "_encoder.weight"], named[state + "_encoder.bias"] = lin.weight, lin.bias
        context = torch.randn(B, C, generator=gen)
        extra["context"] = enc(context)
    initial = {n: enc(p) for n, p in named.items()}
    x = torch.randn(B, T, cfg["inputSize"], generator=gen)
    if loss_spec["name"] == "mse":
        y = torch.randn(B, T, O, generator=gen)
        target = enc(y)
    elif loss_spec["name"] == "bce_with_logits":
        y = torch.rand(B, T, O, generator=gen)
        target = enc(y)
    else:
        y = torch.randint(0, O, (B, T), generator=gen)
        target = {"shape": [B, T], "data": [int(v) for v in y.reshape(-1).tolist()]}
    params = list(named.values())
    settings = {k: (tuple(v) if k == "betas" else v) for k, v in opt_spec.items() if k != "name"}
    opt = OPTIMIZERS[opt_spec["name"]](params, **settings)
    losses, norms = [], []
    for _ in range(steps):
        opt.zero_grad()
        state = given
        if encoders:
            made = [torch.tanh(encoders[k](context)).view(B, S, H).transpose(0, 1).contiguous()
                    for k in (["h0", "c0"] if cell == "lstm" else ["h0"])]
            state = tuple(made) if cell == "lstm" else made[0]
        if learned:
            h = named["h0"].expand(S, B, H).contiguous()
            state = (h, named["c0"].expand(S, B, H).contiguous()) if cell == "lstm" else h
        out, _ = rnn(x, state)
        pred = head(out)
        if loss_spec["name"] == "mse":
            loss = torch.nn.functional.mse_loss(pred, y, reduction=loss_spec["reduction"])
        elif loss_spec["name"] == "bce_with_logits":
            loss = torch.nn.functional.binary_cross_entropy_with_logits(pred, y, reduction=loss_spec["reduction"])
        else:
            loss = torch.nn.functional.cross_entropy(pred.reshape(B * T, O), y.reshape(-1),
                                                     reduction=loss_spec["reduction"])
        loss.backward()
        total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
        if clip is not None:
            norm_type = float("inf") if clip.get("normType") == "inf" else 2.0
            torch.nn.utils.clip_grad_norm_(params, clip["maxNorm"], norm_type=norm_type)
        losses.append(float(loss))
        norms.append(float(total))
        opt.step()
    return {
        "format": "rnn-train-golden/1", "name": name, "cell": cell, "config": cfg, "dtype": "float64",
        "outputSize": O, "batchSize": B, "seqLen": T,
        "initialState": "learned" if learned else ("encoded" if encoders else (mode or "zeros")), **extra,
        "params": initial, "input": enc(x), "target": target, "loss": loss_spec, "optimizer": opt_spec,
        "clip": clip, "steps": steps, "losses": losses, "gradNormsBeforeClip": norms,
        "finalParams": {n: enc(p) for n, p in named.items()},
    }


def cases():
    adam = lambda lr, b1, b2: {"name": "adam", "lr": lr, "betas": [b1, b2], "eps": 1e-8}
    yield forward_case("x_lstm_bidir_2l_h0", "lstm", config(3, 4, L=2, bidirectional=True), 2, 5, 101, True)
    yield forward_case("x_lstm_nobias_t1", "lstm", config(2, 3, bias=False), 3, 1, 102, True)
    yield forward_case("x_gru_bidir_2l_h0", "gru", config(3, 4, L=2, bidirectional=True), 2, 4, 103, True)
    yield forward_case("x_gru_nobias_3l", "gru", config(2, 3, L=3, bias=False), 2, 4, 104, False)
    yield forward_case("x_gru_t1_b1", "gru", config(1, 2), 1, 1, 105, False)
    yield forward_case("x_rnn_relu_bidir_3l", "rnn", config(3, 5, L=3, bidirectional=True, nonlinearity="relu"), 3, 6, 106, True)
    yield forward_case("x_rnn_bidir_nobias_2l", "rnn", config(2, 3, L=2, bidirectional=True, bias=False), 2, 3, 107, False)
    yield forward_case("x_lstm_3l_long", "lstm", config(4, 5, L=3), 2, 12, 108, False)
    yield train_case("x_train_lstm_learned_adam", "lstm", config(3, 5), 2, 3, 6, 201,
                     {"name": "mse", "reduction": "sum"}, adam(0.02, 0.8, 0.99), {"maxNorm": 0.3}, 6, learned=True)
    yield train_case("x_train_gru_bidir_ce_sgd", "gru", config(3, 4, L=2, bidirectional=True), 4, 3, 5, 202,
                     {"name": "cross_entropy", "reduction": "sum"}, {"name": "sgd", "lr": 0.05, "momentum": 0.5},
                     {"maxNorm": 1.0}, 5)
    yield train_case("x_train_rnn_relu_adam", "rnn", config(2, 6, L=2, nonlinearity="relu"), 3, 4, 5, 203,
                     {"name": "mse", "reduction": "mean"}, adam(0.01, 0.5, 0.9), None, 5)
    yield train_case("x_train_lstm_bidir_learned_sgd", "lstm", config(2, 3, L=2, bidirectional=True), 2, 2, 4, 204,
                     {"name": "mse", "reduction": "mean"}, {"name": "sgd", "lr": 0.1, "momentum": 0.9}, None, 5,
                     learned=True)
    yield train_case("x_train_rnn_learned_ce_adam", "rnn", config(3, 4, L=2), 3, 4, 3, 205,
                     {"name": "cross_entropy", "reduction": "mean"}, adam(0.05, 0.9, 0.999), {"maxNorm": 0.5}, 6,
                     learned=True)
    yield train_case("x_train_lstm_rmsprop_bce", "lstm", config(3, 4, L=2), 3, 3, 5, 207,
                     {"name": "bce_with_logits", "reduction": "mean"},
                     {"name": "rmsprop", "lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True}, None, 5)
    yield train_case("x_train_gru_adagrad_inf_clip", "gru", config(2, 5, bidirectional=True), 2, 4, 4, 208,
                     {"name": "mse", "reduction": "sum"},
                     {"name": "adagrad", "lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.001},
                     {"maxNorm": 0.5, "normType": "inf"}, 5)
    yield train_case("x_train_rnn_adamw_learned", "rnn", config(3, 4, nonlinearity="relu"), 2, 3, 6, 209,
                     {"name": "mse", "reduction": "mean"},
                     {"name": "adamw", "lr": 0.02, "betas": [0.85, 0.99], "eps": 1e-8, "weight_decay": 0.1},
                     {"maxNorm": 1.0}, 5, learned=True)
    yield train_case("x_train_lstm_given_state", "lstm", config(2, 3, L=2), 2, 3, 4, 210,
                     {"name": "mse", "reduction": "mean"}, {"name": "sgd", "lr": 0.1, "momentum": 0.9}, None, 4,
                     mode="given")
    yield train_case("x_train_gru_encoded_bidir", "gru", config(3, 4, L=2, bidirectional=True), 2, 3, 5, 211,
                     {"name": "mse", "reduction": "sum"}, adam(0.02, 0.9, 0.999), {"maxNorm": 2.0}, 5,
                     mode=("encoded", 3))
    yield train_case("x_train_lstm_encoded", "lstm", config(2, 3), 3, 4, 4, 212,
                     {"name": "cross_entropy", "reduction": "mean"}, {"name": "sgd", "lr": 0.2}, None, 4,
                     mode=("encoded", 2))
    yield train_case("x_train_gru_nobias_t1", "gru", config(2, 3, bias=False), 2, 5, 1, 206,
                     {"name": "mse", "reduction": "sum"}, {"name": "sgd", "lr": 0.05}, {"maxNorm": 0.2}, 4)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    count = 0
    for case in cases():
        with open(os.path.join(out, case["name"] + ".json"), "w") as f:
            json.dump(case, f)
        count += 1
    print(f"wrote {count} cases to {out}")
