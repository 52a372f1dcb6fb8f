#!/usr/bin/python3
"""nn_reference.py - the paper network in PyTorch, as the independent check of
the kws float32 training layers (tests/nn/test_nn_torch.c).

Builds conv 1->16, 16->16 + maxpool, 16->32, 32->32 + maxpool, 32->64, 64->64
(3x3 'same', each followed by BatchNorm2d + ReLU, pooling after the ReLU),
flatten 64x9x13 = 7488 -> dense 64 + ReLU -> dense 64 + BatchNorm1d + ReLU ->
dense 10, with deterministic weights; runs forward in training mode on a batch
of 4 inputs (4, 1, 38, 55), the mean cross-entropy loss, and backward; writes

  nn_torch.idx  one line per tensor:
                name dtype scale stride offset count ndim dims...
  nn_torch.bin  the data, little-endian, at byte `offset`

dtype f32: float32 values; dtype i8: int8 q, value = q * scale (scale a power
of two, so every parameter is exact in float32: the parameters are stored
this way to keep the files small). stride s > 1: the entry holds elements
0, s, 2s, ... of the flattened tensor (used for the 7488x64 dense weight's
gradient, 1.9 MB in full). Tensors: inputs, labels, bn_eps, bn_momentum, all
parameters, per-block outputs (after BN + ReLU and pooling), dense outputs,
logits, loss, BN running statistics after the step, every parameter gradient
("grad." + name) and the input gradient. Total < 3 MB.

Usage (always /usr/bin/python3, Debian's python3-torch):
  nn_reference.py [--out DIR]          write the golden files (default tests/data)
  nn_reference.py --live TEST_BINARY   regenerate into a temp dir, compare with
                                       the committed files, then run the C test on
                                       the fresh ones; exit status = failure count
Exits 77 after printing "SKIPPED: python3-torch not installed" without torch.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    print("SKIPPED: python3-torch not installed")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "data"))
B = 4
CIN = [1, 16, 16, 32, 32, 64]
COUT = [16, 16, 32, 32, 64, 64]
POOL = [0, 1, 0, 1, 0, 0]
EPS = 1e-3
MOMENTUM = 0.1
LABELS = [3, 7, 0, 9]
GRAD_D0W_STRIDE = 11  # coprime with 64 and 7488: every row and column is sampled


def param_specs():
    """(name, shape, exponent e: value = q * 2^-e, q range) in C buffer order."""
    specs = []
    for i in range(6):
        fan_in = CIN[i] * 9
        specs.append((f"conv{i}.weight", (COUT[i], CIN[i], 3, 3), weight_exp(fan_in), (-127, 127)))
        specs.append((f"conv{i}.bias", (COUT[i],), 9, (-127, 127)))
        specs.append((f"bn{i}.gamma", (COUT[i],), 7, (64, 127)))
        specs.append((f"bn{i}.beta", (COUT[i],), 9, (-127, 127)))
    specs.append(("dense0.weight", (64, 7488), weight_exp(7488), (-127, 127)))
    specs.append(("dense0.bias", (64,), 9, (-127, 127)))
    specs.append(("dense1.weight", (64, 64), weight_exp(64), (-127, 127)))
    specs.append(("dense1.bias", (64,), 9, (-127, 127)))
    specs.append(("bn6.gamma", (64,), 7, (64, 127)))
    specs.append(("bn6.beta", (64,), 9, (-127, 127)))
    specs.append(("dense2.weight", (10, 64), weight_exp(64), (-127, 127)))
    specs.append(("dense2.bias", (10,), 9, (-127, 127)))
    return specs


def weight_exp(fan_in):
    """Power-of-two scale giving about He's std sqrt(2/fan_in) for q ~ U(-127, 127)."""
    target = (2.0 / fan_in) ** 0.5 / 73.3  # std of U(-127, 127) integers ~ 73.3
    return int(round(-np.log2(target)))


def build():
    rng = np.random.default_rng(20240601)
    params = {}
    for name, shape, e, (lo, hi) in param_specs():
        q = rng.integers(lo, hi + 1, size=shape, dtype=np.int64).astype(np.int8)
        params[name] = (q, e)
    x = rng.standard_normal((B, 1, 38, 55)).astype(np.float32)
    return params, x


def run(params, x):
    t = {n: torch.tensor(q.astype(np.float32) * np.float32(2.0 ** -e), requires_grad=True)
         for n, (q, e) in params.items()}
    xin = torch.tensor(x, requires_grad=True)
    labels = torch.tensor(LABELS, dtype=torch.int64)
    running = {}
    outs = {}
    h = xin
    for i in range(6):
        rm = torch.zeros(COUT[i])
        rv = torch.ones(COUT[i])
        h = F.conv2d(h, t[f"conv{i}.weight"], t[f"conv{i}.bias"], padding=1)
        h = F.batch_norm(h, rm, rv, t[f"bn{i}.gamma"], t[f"bn{i}.beta"], training=True,
                         momentum=MOMENTUM, eps=EPS)
        h = F.relu(h)
        if POOL[i]:
            h = F.max_pool2d(h, 2)
        running[i] = (rm, rv)
        outs[f"block{i}"] = h
    h = h.reshape(B, -1)
    h = F.relu(F.linear(h, t["dense0.weight"], t["dense0.bias"]))
    outs["dense0"] = h
    rm, rv = torch.zeros(64), torch.ones(64)
    h = F.linear(h, t["dense1.weight"], t["dense1.bias"])
    h = F.relu(F.batch_norm(h, rm, rv, t["bn6.gamma"], t["bn6.beta"], training=True,
                            momentum=MOMENTUM, eps=EPS))
    running[6] = (rm, rv)
    outs["dense1"] = h
    logits = F.linear(h, t["dense2.weight"], t["dense2.bias"])
    outs["logits"] = logits
    loss = F.cross_entropy(logits, labels)
    outs["loss"] = loss.reshape(1)
    loss.backward()
    tensors = []  # (name, dtype, array, exponent, stride)
    tensors.append(("input", "f32", x, 0, 1))
    tensors.append(("labels", "i8", np.array(LABELS, dtype=np.int8), 0, 1))
    tensors.append(("bn_eps", "f32", np.array([EPS], dtype=np.float32), 0, 1))
    tensors.append(("bn_momentum", "f32", np.array([MOMENTUM], dtype=np.float32), 0, 1))
    for name, (q, e) in params.items():
        tensors.append((name, "i8", q, e, 1))
    for name, v in outs.items():
        tensors.append((name, "f32", v.detach().numpy(), 0, 1))
    for i, (rm, rv) in running.items():
        tensors.append((f"bn{i}.running_mean", "f32", rm.numpy(), 0, 1))
        tensors.append((f"bn{i}.running_var", "f32", rv.numpy(), 0, 1))
    for name in params:
        stride = GRAD_D0W_STRIDE if name == "dense0.weight" else 1
        tensors.append(("grad." + name, "f32", t[name].grad.numpy(), 0, stride))
    tensors.append(("grad.input", "f32", xin.grad.numpy(), 0, 1))
    return tensors


def write(tensors, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    idx_lines = []
    blob = bytearray()
    for name, dtype, arr, e, stride in tensors:
        shape = arr.shape
        flat = np.ascontiguousarray(arr).reshape(-1)[::stride]
        data = flat.astype("<f4" if dtype == "f32" else "i1").tobytes()
        scale = 2.0 ** -e
        idx_lines.append(f"{name} {dtype} {scale:.9g} {stride} {len(blob)} {flat.size} "
                         f"{len(shape)} " + " ".join(str(d) for d in shape))
        blob += data
        blob += bytes((-len(blob)) % 4)  # keep float offsets aligned
    with open(os.path.join(out_dir, "nn_torch.bin"), "wb") as f:
        f.write(blob)
    with open(os.path.join(out_dir, "nn_torch.idx"), "w") as f:
        f.write("# kws nn golden: name dtype scale stride offset count ndim dims "
                f"(torch {torch.__version__}, tests/reference/nn_reference.py)\n")
        f.write("\n".join(idx_lines) + "\n")
    return len(blob)


def read(dir_):
    out = {}
    with open(os.path.join(dir_, "nn_torch.bin"), "rb") as f:
        blob = f.read()
    with open(os.path.join(dir_, "nn_torch.idx")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            p = line.split()
            name, dtype, scale, offset, count = p[0], p[1], float(p[2]), int(p[4]), int(p[5])
            if dtype == "f32":
                v = np.frombuffer(blob, "<f4", count, offset).astype(np.float64)
            else:
                v = np.frombuffer(blob, "i1", count, offset).astype(np.float64) * scale
            out[name] = v
    return out


def compare(fresh_dir, committed_dir):
    """Fresh vs committed golden: same tensors, values within float noise."""
    a, b = read(fresh_dir), read(committed_dir)
    bad = 0
    if sorted(a) != sorted(b):
        print("tensor names differ between fresh and committed golden files")
        return 1
    for name in a:
        scale = max(np.max(np.abs(b[name])), 1e-30)
        d = np.max(np.abs(a[name] - b[name])) / scale if a[name].size else 0.0
        if a[name].size != b[name].size or d > 1e-5:
            print(f"  {name}: fresh torch output differs from committed (rel {d:.2e})")
            bad += 1
    print(f"fresh vs committed golden: {len(a)} tensors, {bad} differ", flush=True)
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DATA, help="directory for nn_torch.idx/.bin")
    ap.add_argument("--live", metavar="TEST_BINARY",
                    help="regenerate in a temp dir, compare, run the C test on it")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    params, x = build()
    tensors = run(params, x)
    if not args.live:
        n = write(tensors, args.out)
        print(f"wrote {args.out}/nn_torch.idx, nn_torch.bin ({n} bytes), "
              f"loss {tensors[[t[0] for t in tensors].index('loss')][2][0]:.6f}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        write(tensors, tmp)
        bad = compare(tmp, DATA)
        rc = subprocess.call([args.live, tmp])
        return min(bad + rc, 100)


if __name__ == "__main__":
    sys.exit(main())
