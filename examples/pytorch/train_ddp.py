#!/usr/bin/python3
"""Trains an rnnkit model data-parallel with PyTorch: one process per CPU (or per machine), each
on its share of the data, gradients averaged by DistributedDataParallel over gloo.

    /usr/bin/python3 -m torch.distributed.run --standalone --nproc_per_node=2 \\
        train_ddp.py model.json data.json trained.json --epochs 20 --lr 0.01

`model.json` is `JSON.stringify(model.toJSON())`; `data.json` holds `inputs` and `targets` as
`{shape, data}` (batch first, like rnnkit's `fit`), and optionally `lengths` and `contexts`.
The trained model is written by rank 0 to `trained.json`, ready for `Model.fromJSON`. Across
machines, run the same command on each with `--nnodes`, `--node_rank` and `--rdzv_endpoint`.
"""
import argparse
import json
import os
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rnnkit_torch  # noqa: E402


class Sequences(Dataset):
    """The rows of data.json: (input, target, length, context) per sequence."""

    def __init__(self, data, dtype, classes):
        self.inputs = rnnkit_torch.tensor(data["inputs"], dtype)
        self.targets = rnnkit_torch.tensor(data["targets"], torch.int64 if classes else dtype)
        n, steps = self.inputs.shape[0], self.inputs.shape[1]
        self.lengths = torch.tensor(data.get("lengths") or [steps] * n, dtype=torch.int64)
        self.contexts = rnnkit_torch.tensor(data["contexts"], dtype) if "contexts" in data else torch.zeros(n, 0, dtype=dtype)

    def __len__(self):
        return self.inputs.shape[0]

    def __getitem__(self, i):
        return self.inputs[i], self.targets[i], self.lengths[i], self.contexts[i]


def loss_of(module, batch, loss_name):
    """Mean loss of a batch, over real steps only, as rnnkit's 'mean' reduction."""
    x, y, lengths, context = batch
    padded = bool((lengths < x.shape[1]).any())
    out = module(x, lengths=lengths if padded else None,
                 context=context if context.shape[1] > 0 else None)
    if out.dim() == 2:  # head 'last': one output per sequence
        mask = torch.ones(out.shape[0], dtype=torch.bool)
    else:
        mask = torch.arange(x.shape[1])[None, :] < lengths[:, None]
    if loss_name == "cross_entropy":
        return torch.nn.functional.cross_entropy(out[mask], y[mask])
    return torch.nn.functional.mse_loss(out[mask], y[mask])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("data")
    p.add_argument("out")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32, help="sequences per process and step")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--clip", type=float, default=1.0, help="max global L2 gradient norm (0: off)")
    p.add_argument("--loss", choices=["mse", "cross_entropy"], default="mse")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    dist.init_process_group("gloo")  # CPU; rank and world size come from torchrun
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    module = rnnkit_torch.load(args.model)
    dtype = rnnkit_torch.DTYPES[module.options["dtype"]]
    with open(args.data) as f:
        data = Sequences(json.load(f), dtype, args.loss == "cross_entropy")
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    loader = DataLoader(data, batch_size=args.batch_size, sampler=sampler)
    model = DistributedDataParallel(module)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        total, count = torch.zeros(2, dtype=torch.float64), 0
        for batch in loader:
            optimizer.zero_grad()
            loss = loss_of(model, batch, args.loss)
            loss.backward()  # DDP averages the gradients of every process here
            if args.clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimizer.step()
            total[0] += float(loss) * len(batch[0])
            total[1] += len(batch[0])
        dist.all_reduce(total)
        if rank == 0:
            print(f"epoch {epoch + 1}/{args.epochs}  loss {float(total[0] / total[1]):.6f}  "
                  f"({world} processes, {int(total[1])} sequences)", flush=True)
    if rank == 0:
        rnnkit_torch.save(module, args.out)
        print(f"wrote {args.out}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
