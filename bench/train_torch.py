#!/usr/bin/python3
"""train_torch.py - independent PyTorch reference training for kws.

Trains the paper network (docs: shared/docs/reference-model.md) on a Speech
Commands folder with the same recipe as the C trainer, so the C numbers can be
judged against a known-good implementation:

  data      word folders; validation_list.txt / testing_list.txt, the rest train
  audio     16 kHz int16 (stdlib `wave`), centred in zeros / cut to its middle second (as src/data/clip.c)
  features  torchaudio MFCC, exactly include/kws/mfcc.h -> 38 x 61; centred
            window, columns 3..57 -> 38 x 55; z-scored per coefficient with
            the training clips' (unaugmented) mean / std
  network   6 x conv3x3 (16,16,pool,32,32,pool,64,64) + BN + ReLU,
            dense 7488->64, ReLU, dropout; dense 64->64, BN, ReLU; dense 64->C
  training  Adam, class-balanced sampling with replacement, per-step linear
            warm-up + cosine decay, on-the-fly augmentation (shift, background
            noise at an SNR, gain, int16 rounding) recomputed every epoch
  selection best validation accuracy; reports val / test accuracy, per-class
            recall / precision, confusion matrix, throughput; JSON to --out.

Run with the system interpreter (Debian python3-torch 1.13, torchaudio 0.13):
  /usr/bin/python3 bench/train_torch.py --data /work/shared/data/speech_commands
Only local files are read; nothing is downloaded.
"""
import argparse
import copy
import json
import math
import os
import platform
import random
import sys
import time
import wave

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchaudio

CLIP = 16000
NOISE_DIR = "_background_noise_"
PAPER_PARAMS = 555898  # conv + dense weights and biases of the paper network


# ---------------------------------------------------------------- arguments

def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="PyTorch reference training for the kws network (paper recipe).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    g = p.add_argument_group("data")
    g.add_argument("--data", default="/work/shared/data/speech_commands",
                   help="Speech Commands folder (word folders, list files, _background_noise_)")
    g.add_argument("--words", default="yes,no,up,down,left,right,on,off,stop,go",
                   help="comma-separated command words, in label order")
    g.add_argument("--limit", type=int, default=0,
                   help="keep at most this many clips per split (seeded subset; 0 = all), for smoke runs")
    g = p.add_argument_group("features")
    g.add_argument("--n-mfcc", type=int, default=38)
    g.add_argument("--n-mels", type=int, default=40)
    g.add_argument("--n-fft", type=int, default=512, help="frame length = FFT length")
    g.add_argument("--hop", type=int, default=256)
    g.add_argument("--f-min", type=float, default=20.0)
    g.add_argument("--f-max", type=float, default=8000.0)
    g.add_argument("--win-cols", type=int, default=55, help="network input columns (centred window)")
    g = p.add_argument_group("network")
    g.add_argument("--conv-bn", default="111110",
                   help="per conv layer (6 digits): 1 = BatchNorm after it; the paper folds 448 BN values = BN after conv2d..conv2d_4 and dense_1")
    g.add_argument("--bn-order", choices=["relu-bn", "bn-relu"], default="relu-bn",
                   help="relu-bn: conv, ReLU, [pool], BN as models/paper.kwsnet (the paper's "
                        "X-CUBE-AI report lists BN as separate layers after ReLU-fused convs)")
    g.add_argument("--dense-bn", type=int, default=1, help="BatchNorm after dense_1 (64->64)")
    g.add_argument("--bn-momentum", type=float, default=0.1, help="PyTorch convention")
    g.add_argument("--bn-eps", type=float, default=1e-3, help="Keras default")
    g.add_argument("--dropout", type=float, default=0.3)
    g.add_argument("--dense-units", type=int, default=64)
    g = p.add_argument_group("training")
    g.add_argument("--epochs", type=int, default=30)
    g.add_argument("--batch", type=int, default=64)
    g.add_argument("--lr", type=float, default=1e-3)
    g.add_argument("--min-lr", type=float, default=1e-5, help="cosine end value")
    g.add_argument("--warmup-epochs", type=float, default=1.0, help="linear warm-up, per step")
    g.add_argument("--beta1", type=float, default=0.9)
    g.add_argument("--beta2", type=float, default=0.999)
    g.add_argument("--adam-eps", type=float, default=1e-8)
    g.add_argument("--weight-decay", type=float, default=0.0)
    g.add_argument("--balanced", type=int, default=1,
                   help="1: each epoch draws N_train samples with replacement, classes equally likely; "
                        "0: plain shuffle of the training clips")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    g.add_argument("--eval-batch", type=int, default=256)
    g = p.add_argument_group("augmentation")
    g.add_argument("--augment", type=int, default=1, help="0 disables all augmentation")
    g.add_argument("--shift-ms", type=float, default=100.0, help="time shift uniform in [-x, x] ms, zero fill")
    g.add_argument("--noise-prob", type=float, default=0.8)
    g.add_argument("--snr-min", type=float, default=5.0)
    g.add_argument("--snr-max", type=float, default=20.0)
    g.add_argument("--noise-span", type=float, default=0.8,
                   help="fraction [0, x) of each noise file that training may use "
                        "(include/kws/dataset.h reserves the rest for val/test silence)")
    g.add_argument("--gain-db", type=float, default=6.0, help="gain uniform in [-x, x] dB")
    g.add_argument("--quantize", type=int, default=1, help="round and clip to int16 before the MFCC")
    g = p.add_argument_group("output")
    g.add_argument("--out", default="out/torch_reference.json", help="JSON summary")
    g.add_argument("--save", default="out/torch_reference.pt",
                   help="best model state_dict + normalization ('' = do not save)")
    a = p.parse_args(argv)
    a.words = [w.strip() for w in a.words.split(",") if w.strip()]
    if len(set(a.words)) != len(a.words) or not a.words:
        p.error("--words: empty or duplicate names")
    if len(a.conv_bn) != 6 or set(a.conv_bn) - {"0", "1"}:
        p.error("--conv-bn: six digits 0/1")
    return a


# --------------------------------------------------------------------- data

def read_wav_int16(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1 or w.getframerate() != 16000:
            raise ValueError("%s: need 16 kHz mono int16 (got %d ch, %d B, %d Hz)" % (
                path, w.getnchannels(), w.getsampwidth(), w.getframerate()))
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)


def fit_clip(x):
    """Exactly CLIP samples, as the C pipeline (src/data/clip.c): a short clip
    is centred between zeros, a long one cut to its middle CLIP samples."""
    n = len(x)
    if n >= CLIP:
        start = (n - CLIP) // 2
        return x[start:start + CLIP]
    out = np.zeros(CLIP, dtype=np.int16)
    lead = (CLIP - n) // 2
    out[lead:lead + n] = x
    return out


def read_list(path):
    out = set()
    with open(path) as f:
        for line in f:
            line = line.strip().replace("\\", "/")
            if line.startswith("./"):
                line = line[2:]
            if line:
                out.add(line)
    return out


def load_dataset(args):
    root = args.data
    val = read_list(os.path.join(root, "validation_list.txt"))
    test = read_list(os.path.join(root, "testing_list.txt"))
    items = {"train": [], "val": [], "test": []}
    for label, word in enumerate(args.words):
        d = os.path.join(root, word)
        if not os.path.isdir(d):
            raise SystemExit("no folder for word %r in %s" % (word, root))
        for name in sorted(os.listdir(d)):
            if not name.lower().endswith(".wav"):
                continue
            rel = word + "/" + name
            split = "val" if rel in val else "test" if rel in test else "train"
            items[split].append((rel, label))
    if args.limit > 0:
        rng = random.Random(args.seed)
        for s in items:
            if len(items[s]) > args.limit:
                items[s] = sorted(rng.sample(items[s], args.limit))
    data = {}
    for s, lst in items.items():
        audio = np.zeros((len(lst), CLIP), dtype=np.int16)
        n_short = 0
        for i, (rel, _) in enumerate(lst):
            x = read_wav_int16(os.path.join(root, rel))
            n_short += len(x) < CLIP
            audio[i] = fit_clip(x)
        data[s] = dict(audio=torch.from_numpy(audio),
                       labels=torch.tensor([l for _, l in lst], dtype=torch.long),
                       paths=[r for r, _ in lst], n_short=int(n_short))
    noise = []
    nd = os.path.join(root, NOISE_DIR)
    for name in sorted(os.listdir(nd)) if os.path.isdir(nd) else []:
        if not name.lower().endswith(".wav") or name.lower().startswith("readme"):
            continue
        x = read_wav_int16(os.path.join(nd, name))
        use = int(len(x) * args.noise_span)
        if use >= CLIP:
            noise.append((name, torch.from_numpy(x[:use].astype(np.float32))))
    return data, noise


# ----------------------------------------------------------------- features

class Frontend:
    """int16-valued float tensor (B, 16000) -> z-scored network input (B, 1, n_mfcc, win_cols)."""

    def __init__(self, args):
        self.mfcc = torchaudio.transforms.MFCC(
            sample_rate=16000, n_mfcc=args.n_mfcc, log_mels=True, norm="ortho",
            melkwargs=dict(n_fft=args.n_fft, win_length=args.n_fft, hop_length=args.hop,
                           n_mels=args.n_mels, f_min=args.f_min, f_max=args.f_max,
                           center=False, power=2.0, window_fn=torch.hann_window))
        self.n_frames = 1 + (CLIP - args.n_fft) // args.hop
        if args.win_cols > self.n_frames:
            raise SystemExit("--win-cols %d > %d frames" % (args.win_cols, self.n_frames))
        self.c0 = (self.n_frames - args.win_cols) // 2
        self.c1 = self.c0 + args.win_cols
        self.mean = None
        self.std = None

    def window(self, pcm):
        """pcm: (B, CLIP) float32 holding int16 values -> (B, n_mfcc, win_cols) raw MFCC."""
        with torch.no_grad():
            m = self.mfcc(pcm / 32768.0)
        assert m.shape[-1] == self.n_frames, m.shape
        return m[:, :, self.c0:self.c1]

    def windows(self, audio, batch=512):
        return torch.cat([self.window(audio[i:i + batch].float())
                          for i in range(0, len(audio), batch)])

    def fit(self, feats):
        f = feats.double()
        self.mean = f.mean(dim=(0, 2))
        self.std = f.std(dim=(0, 2), unbiased=False)

    def norm(self, feats):
        m = self.mean.float()[None, :, None]
        s = self.std.float()[None, :, None]
        return ((feats - m) / s).unsqueeze(1)


class Augmenter:
    """Per-sample random shift, background noise at an SNR, gain, int16 rounding; vectorized per batch."""

    def __init__(self, args, noise, rng):
        self.a = args
        self.rng = rng
        self.noise = noise
        self.cat = torch.cat([x for _, x in noise]) if noise else None
        self.starts = np.cumsum([0] + [len(x) for _, x in noise])[:-1]
        self.lens = np.array([len(x) for _, x in noise])
        self.ar = torch.arange(CLIP)

    def __call__(self, audio):
        a, rng = self.a, self.rng
        x = audio.float()
        B = x.shape[0]
        if not a.augment:
            return x
        # draws, in a fixed order
        max_shift = int(round(a.shift_ms * 16))
        shift = rng.integers(-max_shift, max_shift + 1, size=B)
        use_noise = rng.random(B) < a.noise_prob
        nfile = rng.integers(0, max(len(self.noise), 1), size=B)
        room = (self.lens[nfile] - CLIP + 1) if self.noise else np.ones(B, dtype=np.int64)
        nofs = np.floor(rng.random(B) * room).astype(np.int64)
        snr = rng.uniform(a.snr_min, a.snr_max, size=B)
        gain = rng.uniform(-a.gain_db, a.gain_db, size=B)
        # shift: out[t] = x[t - s], zero outside
        src = self.ar[None, :] - torch.from_numpy(shift)[:, None]
        valid = (src >= 0) & (src < CLIP)
        x = torch.gather(x, 1, src.clamp(0, CLIP - 1)) * valid
        # noise at SNR relative to the (shifted) clip's RMS
        if self.noise and use_noise.any():
            idx = torch.from_numpy(self.starts[nfile] + nofs)[:, None] + self.ar[None, :]
            n = self.cat[idx]
            rms_x = x.pow(2).mean(1).sqrt()
            rms_n = n.pow(2).mean(1).sqrt()
            ok = torch.from_numpy(use_noise) & (rms_x > 0) & (rms_n > 0)
            scale = rms_x / (rms_n.clamp_min(1e-12) * torch.from_numpy(10.0 ** (snr / 20.0)).float())
            x = x + n * (scale * ok)[:, None]
        x = x * torch.from_numpy(10.0 ** (gain / 20.0)).float()[:, None]
        if a.quantize:
            x = x.round().clamp(-32768.0, 32767.0)
        return x


# ------------------------------------------------------------------ network

class KwsNet(nn.Module):
    def __init__(self, args, n_classes):
        super().__init__()
        H, W = args.n_mfcc, args.win_cols
        chans = [(1, 16), (16, 16), (16, 32), (32, 32), (32, 64), (64, 64)]
        pool_after = {1, 3}
        layers = []
        for i, (ci, co) in enumerate(chans):
            layers.append(nn.Conv2d(ci, co, 3, padding=1))
            bn = [nn.BatchNorm2d(co, eps=args.bn_eps, momentum=args.bn_momentum)] \
                if args.conv_bn[i] == "1" else []
            if args.bn_order == "bn-relu":
                layers += bn + [nn.ReLU()]
            else:
                layers.append(nn.ReLU())
            if i in pool_after:
                layers.append(nn.MaxPool2d(2))
                H, W = H // 2, W // 2
            if args.bn_order == "relu-bn":  # models/paper.kwsnet: relu, pool, then bn
                layers += bn
        self.features = nn.Sequential(*layers)
        self.flat = 64 * H * W
        u = args.dense_units
        head = [nn.Flatten(), nn.Linear(self.flat, u), nn.ReLU(), nn.Dropout(args.dropout),
                nn.Linear(u, u)]
        dbn = [nn.BatchNorm1d(u, eps=args.bn_eps, momentum=args.bn_momentum)] \
            if args.dense_bn else []
        if args.bn_order == "bn-relu":
            head += dbn + [nn.ReLU()]
        else:
            head += [nn.ReLU()] + dbn
        head += [nn.Linear(u, n_classes)]
        self.head = nn.Sequential(*head)
        self._init()

    def _init(self):
        mods = [m for m in self.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        for m in mods:
            fan_in = m.weight[0].numel()
            if m is mods[-1]:
                fan_out = m.weight.shape[0] * m.weight[0, 0].numel()
                lim = math.sqrt(6.0 / (fan_in + fan_out))
                nn.init.uniform_(m.weight, -lim, lim)
            else:
                nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_in))
            nn.init.zeros_(m.bias)
        for m in self.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.head(self.features(x))

    def param_counts(self):
        bn = sum(p.numel() for m in self.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))
                 for p in m.parameters() if p.requires_grad)
        total = sum(p.numel() for p in self.parameters() if p.requires_grad)
        bn_buffers = sum(b.numel() for n, b in self.named_buffers() if "running" in n)
        return dict(conv_dense=total - bn, bn_affine=bn, trainable_total=total, bn_running=bn_buffers)


# ------------------------------------------------------------------ helpers

def lr_at(step, steps_per_epoch, args):
    """Per-step schedule: linear warm-up base*(step+1)/W over W = warmup_epochs*steps_per_epoch
    steps, then cosine from base (end of warm-up) to min_lr (end of training)."""
    total = args.epochs * steps_per_epoch
    warm = int(round(args.warmup_epochs * steps_per_epoch))
    if step < warm:
        return args.lr * (step + 1) / warm
    span = max(total - warm, 1)
    t = min((step - warm) / span, 1.0)
    return args.min_lr + (args.lr - args.min_lr) * 0.5 * (1.0 + math.cos(math.pi * t))


def evaluate(model, x, y, n_classes, batch):
    model.eval()
    preds = []
    loss = 0.0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            out = model(x[i:i + batch])
            loss += F.cross_entropy(out, y[i:i + batch], reduction="sum").item()
            preds.append(out.argmax(1))
    p = torch.cat(preds) if preds else torch.zeros(0, dtype=torch.long)
    cm = torch.zeros(n_classes, n_classes, dtype=torch.long)
    cm.index_put_((y, p), torch.ones_like(y), accumulate=True)
    n = max(len(y), 1)
    return dict(acc=(p == y).sum().item() / n, loss=loss / n, cm=cm)


def per_class(cm, names):
    cm = cm.double()
    tp = cm.diag()
    rec = (tp / cm.sum(1).clamp_min(1)).tolist()
    prec = (tp / cm.sum(0).clamp_min(1)).tolist()
    return {n: dict(recall=r, precision=p, support=int(s))
            for n, r, p, s in zip(names, rec, prec, cm.sum(1).tolist())}


def fmt_time(s):
    s = int(round(s))
    return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)


# --------------------------------------------------------------------- main

def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)  # sampling + augmentation draws

    config = {k: v for k, v in vars(args).items()}
    config["mfcc"] = ("torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=%d, log_mels=True, norm='ortho', "
                      "melkwargs=dict(n_fft=%d, win_length=%d, hop_length=%d, n_mels=%d, f_min=%g, f_max=%g, "
                      "center=False, power=2.0, window_fn=torch.hann_window))"
                      % (args.n_mfcc, args.n_fft, args.n_fft, args.hop, args.n_mels, args.f_min, args.f_max))
    print("kws torch reference: torch %s, torchaudio %s, numpy %s, python %s, threads %d, host %s"
          % (torch.__version__, torchaudio.__version__, np.__version__, platform.python_version(),
             torch.get_num_threads(), platform.node()))
    print("config:")
    for k, v in config.items():
        print("  %-14s %s" % (k, v))
    sys.stdout.flush()

    t0 = time.perf_counter()
    data, noise = load_dataset(args)
    C = len(args.words)
    counts = {s: np.bincount(d["labels"].numpy(), minlength=C).tolist() for s, d in data.items()}
    print("data: %s (%.1f s load)" % (", ".join("%s %d" % (s, len(d["labels"])) for s, d in data.items()),
                                      time.perf_counter() - t0))
    print("  %-6s %6s %6s %6s" % ("word", "train", "val", "test"))
    for i, w in enumerate(args.words):
        print("  %-6s %6d %6d %6d" % (w, counts["train"][i], counts["val"][i], counts["test"][i]))
    print("  short clips padded: %s" % {s: d["n_short"] for s, d in data.items()})
    print("noise files (first %.0f %% each): %s" % (100 * args.noise_span,
                                                    ", ".join("%s %d" % (n, len(x)) for n, x in noise)))

    fe = Frontend(args)
    t1 = time.perf_counter()
    raw = {s: fe.windows(d["audio"]) for s, d in data.items()}
    fe.fit(raw["train"])
    xval, xtest = fe.norm(raw["val"]), fe.norm(raw["test"])
    yval, ytest, ytrain = data["val"]["labels"], data["test"]["labels"], data["train"]["labels"]
    print("features: %d frames/clip, window cols %d..%d -> %d x %d; stats over %d train windows (%.1f s)"
          % (fe.n_frames, fe.c0, fe.c1 - 1, args.n_mfcc, args.win_cols, len(ytrain),
             time.perf_counter() - t1))
    print("  mean[0..3] %s  std[0..3] %s" % (np.round(fe.mean[:4].numpy(), 4).tolist(),
                                           np.round(fe.std[:4].numpy(), 4).tolist()))

    model = KwsNet(args, C)
    pc = model.param_counts()
    default_topology = (args.n_mfcc, args.win_cols, args.dense_units, C) == (38, 55, 64, 10)
    print("network: flatten %d; params conv+dense %d (paper %d: %s), BN gamma/beta %d, trainable total %d, "
          "BN running stats %d" % (model.flat, pc["conv_dense"], PAPER_PARAMS,
                                   "OK" if pc["conv_dense"] == PAPER_PARAMS else "differs",
                                   pc["bn_affine"], pc["trainable_total"], pc["bn_running"]))
    if default_topology and pc["conv_dense"] != PAPER_PARAMS:
        raise SystemExit("parameter count %d != %d" % (pc["conv_dense"], PAPER_PARAMS))
    print(model)
    sys.stdout.flush()

    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(args.beta1, args.beta2),
                           eps=args.adam_eps, weight_decay=args.weight_decay)
    aug = Augmenter(args, noise, rng)
    by_class = [np.flatnonzero(ytrain.numpy() == c) for c in range(C)]
    present = [c for c in range(C) if len(by_class[c])]
    if len(present) < C:
        print("warning: classes without training clips: %s" % [args.words[c] for c in range(C) if c not in present])
    N = len(ytrain)
    steps_per_epoch = math.ceil(N / args.batch)

    history = []
    best = dict(acc=-1.0)
    step = 0
    t_train0 = time.perf_counter()
    tot = dict(samples=0, net=0.0, fb=0.0, prep=0.0, loop=0.0, epoch=0.0)
    for epoch in range(1, args.epochs + 1):
        te = time.perf_counter()
        if args.balanced:
            cls = np.array(present)[rng.integers(0, len(present), size=N)]
            order = np.array([by_class[c][rng.integers(0, len(by_class[c]))] for c in cls], dtype=np.int64)
        else:
            order = rng.permutation(N)
        model.train()
        loss_sum, correct, seen = 0.0, 0, 0
        t_prep = t_net = t_fb = 0.0
        for b in range(0, N, args.batch):
            tp = time.perf_counter()
            idx = torch.from_numpy(order[b:b + args.batch])
            pcm = aug(data["train"]["audio"][idx])
            x = fe.norm(fe.window(pcm))
            y = ytrain[idx]
            lr = lr_at(step, steps_per_epoch, args)
            for gr in opt.param_groups:
                gr["lr"] = lr
            tn = time.perf_counter()
            out = model(x)
            loss = F.cross_entropy(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            tb = time.perf_counter()
            opt.step()
            tq = time.perf_counter()
            t_prep += tn - tp
            t_fb += tb - tn
            t_net += tq - tn
            loss_sum += loss.item() * len(y)
            correct += (out.argmax(1) == y).sum().item()
            seen += len(y)
            step += 1
        t_loop = time.perf_counter() - te
        ev = evaluate(model, xval, yval, C, args.eval_batch)
        t_ep = time.perf_counter() - te
        tot["samples"] += seen
        tot["net"] += t_net
        tot["fb"] += t_fb
        tot["prep"] += t_prep
        tot["loop"] += t_loop
        tot["epoch"] += t_ep
        improved = ev["acc"] > best["acc"]
        if improved:
            best = dict(acc=ev["acc"], epoch=epoch, state=copy.deepcopy(model.state_dict()))
        eta = tot["epoch"] / epoch * (args.epochs - epoch)
        h = dict(epoch=epoch, loss=loss_sum / seen, train_acc=correct / seen, val_acc=ev["acc"],
                 val_loss=ev["loss"], lr_last=lr, seconds=t_ep, seconds_prep=t_prep,
                 seconds_net=t_net, seconds_fwd_bwd=t_fb, seconds_eval=t_ep - t_loop)
        history.append(h)
        print("epoch %3d/%d  loss %.4f  train %.4f  val %.4f%s  lr %.2e  %.1f s (prep %.1f, net %.1f, eval %.1f)"
              "  ETA %s" % (epoch, args.epochs, h["loss"], h["train_acc"], ev["acc"], " *" if improved else "  ",
                            lr, t_ep, t_prep, t_net, t_ep - t_loop, fmt_time(eta)))
        sys.stdout.flush()
    train_seconds = time.perf_counter() - t_train0

    model.load_state_dict(best["state"])
    ev_val = evaluate(model, xval, yval, C, args.eval_batch)
    ev_test = evaluate(model, xtest, ytest, C, args.eval_batch)
    pc_test = per_class(ev_test["cm"], args.words)
    pc_val = per_class(ev_val["cm"], args.words)
    thr = dict(
        samples=tot["samples"],
        net_fwd_bwd_samples_per_s=tot["samples"] / tot["fb"],
        net_train_step_samples_per_s=tot["samples"] / tot["net"],
        overall_train_loop_samples_per_s=tot["samples"] / tot["loop"],
        overall_epoch_samples_per_s=tot["samples"] / tot["epoch"],
        seconds_fwd_bwd=tot["fb"], seconds_train_step=tot["net"], seconds_data_prep=tot["prep"],
        seconds_train_loop=tot["loop"], seconds_epochs=tot["epoch"],
        seconds_per_epoch=tot["epoch"] / args.epochs, threads=torch.get_num_threads(),
        notes="net_fwd_bwd: forward+loss+backward; net_train_step: + Adam step; "
              "overall_train_loop: + augmentation/MFCC/normalization; overall_epoch: + validation pass")

    print("best epoch %d: val acc %.4f, test acc %.4f" % (best["epoch"], ev_val["acc"], ev_test["acc"]))
    print("  %-6s %7s %9s %7s   (test)" % ("class", "recall", "precision", "n"))
    for w in args.words:
        print("  %-6s %7.4f %9.4f %7d" % (w, pc_test[w]["recall"], pc_test[w]["precision"], pc_test[w]["support"]))
    print("confusion matrix (test; rows true, cols predicted):")
    print("  %6s " % "" + " ".join("%5s" % w[:5] for w in args.words))
    for i, w in enumerate(args.words):
        print("  %6s " % w[:6] + " ".join("%5d" % v for v in ev_test["cm"][i].tolist()))
    print("throughput (%d threads): net fwd+bwd %.1f samples/s, net fwd+bwd+Adam %.1f samples/s, "
          "overall train loop %.1f samples/s, overall incl. validation %.1f samples/s"
          % (thr["threads"], thr["net_fwd_bwd_samples_per_s"], thr["net_train_step_samples_per_s"],
             thr["overall_train_loop_samples_per_s"], thr["overall_epoch_samples_per_s"]))
    print("time: %.1f s per epoch (prep %.1f, net %.1f), %s training total"
          % (thr["seconds_per_epoch"], tot["prep"] / args.epochs, tot["net"] / args.epochs,
             fmt_time(train_seconds)))

    summary = dict(
        config=config,
        versions=dict(torch=torch.__version__, torchaudio=torchaudio.__version__, numpy=np.__version__,
                      python=platform.python_version()),
        command=" ".join([sys.executable] + sys.argv),
        data=dict(counts=counts, classes=args.words, noise_files=[n for n, _ in noise],
                  short_clips_padded={s: d["n_short"] for s, d in data.items()}),
        features=dict(n_frames=fe.n_frames, window_cols=[fe.c0, fe.c1 - 1],
                      mean=fe.mean.tolist(), std=fe.std.tolist()),
        params=pc, steps_per_epoch=steps_per_epoch,
        history=history,
        best=dict(epoch=best["epoch"], val_acc=ev_val["acc"], val_loss=ev_val["loss"],
                  test_acc=ev_test["acc"], test_loss=ev_test["loss"],
                  test_per_class=pc_test, val_per_class=pc_val,
                  test_confusion=ev_test["cm"].tolist(), val_confusion=ev_val["cm"].tolist()),
        throughput=thr, train_seconds=train_seconds)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=1)
        print("wrote %s" % args.out)
    if args.save:
        os.makedirs(os.path.dirname(os.path.abspath(args.save)), exist_ok=True)
        torch.save(dict(state_dict=best["state"], mean=fe.mean, std=fe.std, words=args.words,
                        config=config), args.save)
        print("wrote %s" % args.save)


if __name__ == "__main__":
    main()
