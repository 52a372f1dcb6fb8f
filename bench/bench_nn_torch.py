#!/usr/bin/python3
"""bench_nn_torch.py - forward + backward throughput of the paper network in
PyTorch (CPU, float32, training mode), the yardstick for bench_nn.c.

The network is train_torch.py's KwsNet with its defaults, i.e.
models/paper.kwsnet (the network `kws train` trains and bench_nn.c times
through kws_net); cross-entropy; input (B, 1, 38, 55). Prints one line:
  torch: B=64 threads=2 ... samples/s
Run with /usr/bin/python3 (Debian's python3-torch). Exits 77 without torch.
"""
import argparse
import os
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("SKIPPED: python3-torch not installed")
    sys.exit(77)


def net():
    """The network bench/train_torch.py trains (models/paper.kwsnet's order:
    conv, ReLU, [pool], BN after the first five convs and dense_1)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import train_torch
    return train_torch.KwsNet(train_torch.parse_args([]), 10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    m = net().train()
    x = torch.randn(a.batch, 1, 38, 55)
    y = torch.randint(0, 10, (a.batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        m.zero_grad(set_to_none=False)
        loss = loss_fn(m(x), y)
        loss.backward()
        return loss

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(a.iters):
        step()
    dt = time.perf_counter() - t0
    print(f"torch {torch.__version__}: B={a.batch} threads={torch.get_num_threads()} "
          f"{a.iters} iters: {dt / a.iters * 1e3:.1f} ms/batch, "
          f"{a.batch * a.iters / dt:.0f} samples/s (forward + backward)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
