#!/usr/bin/python3
"""bench_nn_torch.py - forward + backward throughput of the paper network in
PyTorch (CPU, float32, training mode), the yardstick for bench_nn.c.

Same network and batch as bench_nn.c: conv 1->16, 16->16 + pool, 16->32,
32->32 + pool, 32->64, 64->64 (3x3 same, BN, ReLU), dense 7488->64, 64->64 +
BN, 64->10, cross-entropy; input (B, 1, 38, 55). Prints one line:
  torch: B=64 threads=2 ... samples/s
Run with /usr/bin/python3 (Debian's python3-torch). Exits 77 without torch.
"""
import argparse
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("SKIPPED: python3-torch not installed")
    sys.exit(77)


def net():
    layers = []
    cin = 1
    for cout, pool in [(16, 0), (16, 1), (32, 0), (32, 1), (64, 0), (64, 0)]:
        layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU()]
        if pool:
            layers.append(nn.MaxPool2d(2))
        cin = cout
    layers += [nn.Flatten(), nn.Linear(7488, 64), nn.ReLU(), nn.Linear(64, 64),
               nn.BatchNorm1d(64, eps=1e-3), nn.ReLU(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


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
