#!/usr/bin/python3
"""mfcc_reference.py - independent MFCC reference for kws (torchaudio).

Two modes:

  generate OUT   writes the golden file tests/data/mfcc_golden.bin: the
                 test signals (int16), torchaudio's window and mel filter
                 bank, and torchaudio's MFCC columns for each signal.
  check --golden G --c-program P
                 runs `P --dump TMP` (tests/frontend/test_mfcc_reference),
                 recomputes torchaudio live on the golden signals and
                 compares the C columns with them; exits 1 beyond tolerance.
                 Prints "SKIPPED: ..." and exits 77 if torch is missing.

The MFCC parameters are the ones kws/mfcc.h documents:
  torchaudio.transforms.MFCC(sample_rate=16000, n_mfcc=38, log_mels=True,
      norm='ortho', melkwargs=dict(n_fft=512, hop_length=256, n_mels=40,
      f_min=20, f_max=8000, center=False, power=2.0))
with MelSpectrogram's defaults for the rest: periodic Hann window
(torch.hann_window), win_length = n_fft, norm=None (no area
normalization), mel_scale='htk'; log_mels=True means log(mel + 1e-6);
create_dct(norm='ortho') is the orthonormal DCT-II. Samples are int16 / 32768.

Golden file, little-endian:
  "KWSMFCC1"  8 bytes
  i32 sample_rate, frame_len, hop_len, n_mels, n_mfcc
  f32 f_min, f_max, log_floor
  f32 window[frame_len]                  torch.hann_window(frame_len)
  f32 fbank[frame_len/2+1][n_mels]       torchaudio.functional.melscale_fbanks
  i32 n_signals, then per signal:
    char name[16] (NUL padded), i32 n_samples, i32 n_frames,
    i16 pcm[n_samples], f32 mfcc[n_frames][n_mfcc]  (frame-major)
C dump (check mode): i32 n_signals, then per signal i32 n_frames, i32 n_mfcc,
  f32 mfcc[n_frames][n_mfcc].

Run with /usr/bin/python3 (Debian's python3-torch / python3-torchaudio).
"""
import math
import os
import struct
import subprocess
import sys
import tempfile

SKIP = 77

CFG = dict(sample_rate=16000, frame_len=512, hop_len=256, n_mels=40, n_mfcc=38,
           f_min=20.0, f_max=8000.0, log_floor=1e-6)

# Tolerance of C (float32, own radix-4 FFT, double-built tables) against
# torchaudio (float32, pocketfft): max |diff| relative to the signal's
# coefficient range (max - min over all of its coefficients). See
# tests/frontend/test_mfcc_reference.c for the argument; both use this value.
REL_TOL = 1e-4


class Lcg:
    """32-bit LCG (Numerical Recipes constants); uniform ints and floats."""

    def __init__(self, seed):
        self.x = seed & 0xFFFFFFFF

    def next_u32(self):
        self.x = (1664525 * self.x + 1013904223) & 0xFFFFFFFF
        return self.x

    def uniform(self):
        """Uniform in [-1, 1)."""
        return self.next_u32() / 2147483648.0 - 1.0


def to_int16(xs):
    return [max(-32768, min(32767, int(round(v)))) for v in xs]


def signal_chirp(sr=16000, n=16000):
    """Linear chirp 50 -> 7900 Hz over 1 s at 0.6 full scale."""
    f0, f1, dur = 50.0, 7900.0, n / sr
    out = []
    for t in range(n):
        s = t / sr
        phase = 2 * math.pi * (f0 * s + 0.5 * (f1 - f0) / dur * s * s)
        out.append(0.6 * 32768 * math.sin(phase))
    return to_int16(out)


def signal_speech(sr=16000, n=16000):
    """Speech-like: three voiced syllables (harmonics of a gliding f0 shaped
    by three moving formants), a fricative noise burst, low noise floor."""
    rng = Lcg(12345)
    out = []
    phase = 0.0
    for t in range(n):
        s = t / sr
        f0 = 110 + 40 * math.sin(2 * math.pi * 1.3 * s)
        phase += 2 * math.pi * f0 / sr
        formants = (500 + 300 * math.sin(2 * math.pi * 2.1 * s),
                    1500 + 600 * math.sin(2 * math.pi * 1.7 * s + 1.0), 2600.0)
        v = 0.0
        for h in range(1, int(4000 / f0)):
            fh = h * f0
            amp = sum(1.0 / (1.0 + ((fh - fc) / 120.0) ** 2) for fc in formants)
            v += amp * math.sin(h * phase) / h ** 0.5
        syll = max(0.0, math.sin(2 * math.pi * 1.6 * s)) ** 2   # 3 voiced bumps
        fric = 1.0 if 0.70 < s < 0.82 else 0.0
        noise = rng.uniform()
        out.append(32768 * (0.12 * syll * v + 0.25 * fric * noise + 0.002 * noise))
    return to_int16(out)


def signal_quiet(n=8000):
    """Digital silence, then +-2 LSB noise, then a -60 dBFS 1 kHz tone."""
    rng = Lcg(777)
    out = []
    for t in range(n):
        if t < 2000:
            out.append(0.0)
        elif t < 5000:
            out.append(2.0 * rng.uniform())
        else:
            out.append(32.768 * math.sin(2 * math.pi * 1000 * t / 16000))
    return to_int16(out)


def signal_loud(n=8000):
    """Full-scale 440 Hz square wave with clicks: the int16 extremes."""
    out = []
    for t in range(n):
        v = 32767 if (t * 440 * 2 // 16000) % 2 == 0 else -32768
        if t % 1000 == 500:
            v = -v - 1 if v < 0 else -v
        out.append(v)
    return out


def signals():
    return [("chirp", signal_chirp()), ("speech", signal_speech()),
            ("quiet", signal_quiet()), ("loud", signal_loud())]


def torch_modules():
    import torch
    import torchaudio
    torch.set_num_threads(1)
    mfcc = torchaudio.transforms.MFCC(
        sample_rate=CFG["sample_rate"], n_mfcc=CFG["n_mfcc"], log_mels=True, norm="ortho",
        melkwargs=dict(n_fft=CFG["frame_len"], hop_length=CFG["hop_len"],
                       n_mels=CFG["n_mels"], f_min=CFG["f_min"], f_max=CFG["f_max"],
                       center=False, power=2.0))
    return torch, torchaudio, mfcc


def torch_mfcc(torch, mfcc, pcm):
    """(n_frames, n_mfcc) list of rows, in the module's dtype (float32 unless .double())."""
    x = torch.tensor(pcm, dtype=mfcc.dct_mat.dtype) / 32768.0
    with torch.no_grad():
        y = mfcc(x)                     # (n_mfcc, n_frames)
    return y.t().contiguous().tolist()


def write_golden(path):
    torch, torchaudio, mfcc = torch_modules()
    c = CFG
    n_bins = c["frame_len"] // 2 + 1
    window = torch.hann_window(c["frame_len"]).tolist()
    fb = torchaudio.functional.melscale_fbanks(n_bins, c["f_min"], c["f_max"], c["n_mels"],
                                               c["sample_rate"], None, "htk")
    with open(path, "wb") as f:
        f.write(b"KWSMFCC1")
        f.write(struct.pack("<5i3f", c["sample_rate"], c["frame_len"], c["hop_len"],
                            c["n_mels"], c["n_mfcc"], c["f_min"], c["f_max"], c["log_floor"]))
        f.write(struct.pack("<%df" % len(window), *window))
        flat = [v for row in fb.tolist() for v in row]
        f.write(struct.pack("<%df" % len(flat), *flat))
        sigs = signals()
        f.write(struct.pack("<i", len(sigs)))
        for name, pcm in sigs:
            cols = torch_mfcc(torch, mfcc, pcm)
            f.write(struct.pack("<16s2i", name.encode(), len(pcm), len(cols)))
            f.write(struct.pack("<%dh" % len(pcm), *pcm))
            flat = [v for row in cols for v in row]
            f.write(struct.pack("<%df" % len(flat), *flat))
            print("%-8s %6d samples %3d frames" % (name, len(pcm), len(cols)))
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))


def read_golden(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"KWSMFCC1", "not a kws MFCC golden file"
    at = 8
    sr, fl, hop, n_mels, n_mfcc, fmin, fmax, floor = struct.unpack_from("<5i3f", data, at)
    at += 32
    n_bins = fl // 2 + 1
    at += 4 * fl + 4 * n_bins * n_mels
    (n_sig,) = struct.unpack_from("<i", data, at)
    at += 4
    sigs = []
    for _ in range(n_sig):
        name, n, frames = struct.unpack_from("<16s2i", data, at)
        at += 24
        pcm = list(struct.unpack_from("<%dh" % n, data, at))
        at += 2 * n
        flat = struct.unpack_from("<%df" % (frames * n_mfcc), data, at)
        at += 4 * frames * n_mfcc
        cols = [list(flat[i * n_mfcc:(i + 1) * n_mfcc]) for i in range(frames)]
        sigs.append((name.rstrip(b"\0").decode(), pcm, cols))
    return n_mfcc, sigs


def read_dump(path):
    with open(path, "rb") as f:
        data = f.read()
    (n_sig,) = struct.unpack_from("<i", data, 0)
    at, out = 4, []
    for _ in range(n_sig):
        frames, n_mfcc = struct.unpack_from("<2i", data, at)
        at += 8
        flat = struct.unpack_from("<%df" % (frames * n_mfcc), data, at)
        at += 4 * frames * n_mfcc
        out.append([list(flat[i * n_mfcc:(i + 1) * n_mfcc]) for i in range(frames)])
    return out


def compare(a, b):
    """(max abs diff, max abs diff / coefficient range of b)."""
    flat_b = [v for row in b for v in row]
    rng = max(flat_b) - min(flat_b)
    diff = max(abs(x - y) for ra, rb in zip(a, b) for x, y in zip(ra, rb))
    return diff, diff / rng


def check(golden, program):
    try:
        torch, torchaudio, mfcc = torch_modules()
    except ImportError:
        print("SKIPPED: python3-torchaudio not installed")
        return SKIP
    mfcc64 = torch_modules()[2].double()   # information only: float64 arithmetic
    _, sigs = read_golden(golden)
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "mfcc_c.bin")
        subprocess.run([program, "--dump", dump], check=True, stdout=subprocess.DEVNULL)
        c_cols = read_dump(dump)
    ok = len(c_cols) == len(sigs)
    for (name, pcm, gold), cc in zip(sigs, c_cols):
        live = torch_mfcc(torch, mfcc, pcm)
        if len(cc) != len(live):
            print("%-8s frame count C %d != torchaudio %d" % (name, len(cc), len(live)))
            ok = False
            continue
        d_abs, d_rel = compare(cc, live)
        g_abs, _ = compare(gold, live)
        e_abs, e_rel = compare(cc, torch_mfcc(torch, mfcc64, pcm))
        good = d_rel <= REL_TOL
        ok = ok and good
        print("%-8s C vs torchaudio %s float32: max abs %.3g, max rel %.3g (tol %.0e) %s; "
              "vs float64: abs %.3g rel %.3g; golden vs live: max abs %.3g"
              % (name, torchaudio.__version__, d_abs, d_rel, REL_TOL, "ok" if good else "FAIL",
                 e_abs, e_rel, g_abs))
    print("mfcc_reference check:", "ok" if ok else "FAILED")
    return 0 if ok else 1


def main(argv):
    if len(argv) == 2 and argv[0] == "generate":
        write_golden(argv[1])
        return 0
    if len(argv) == 5 and argv[0] == "check" and argv[1] == "--golden" and argv[3] == "--c-program":
        return check(argv[2], argv[4])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
