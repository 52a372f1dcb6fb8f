#!/usr/bin/env python3
"""make_seeds.py - writes the seed corpora in fuzz/corpus/<target>/ (committed).

    /usr/bin/python3 fuzz/make_seeds.py

Small valid inputs, plus a few deliberately odd ones, for every target:

  wav           every container and encoding the installed libsndfile writes
                (through ctypes; what it cannot write is skipped), and
                hand-made WAV files with a truncated data chunk, odd-sized
                chunks, a LIST chunk, data before fmt, RIFX
  pcm_stream    4 control bytes (see fuzz_pcm_stream.c) + raw s16le bytes
  kwsm          .kwsm models laid out as kws/model.h says (CRC included)
  topology      models/*.kwsnet and descriptions using every key
  dataset_lists list files in every accepted form

Only the standard library and libsndfile are needed. The output is
deterministic except where an encoder itself is not.
"""
import ctypes
import ctypes.util
import math
import os
import shutil
import struct
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")


def out_dir(target):
    d = os.path.join(CORPUS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def put(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def signal(frames, channels, rate):
    """A deterministic tone plus a chirp, interleaved int16."""
    out = []
    for i in range(frames):
        t = i / rate
        for c in range(channels):
            v = 0.5 * math.sin(2 * math.pi * 440 * (c + 1) * t)
            v += 0.3 * math.sin(2 * math.pi * (200 + 3000 * t) * t)
            out.append(int(max(-1.0, min(1.0, v)) * 32767))
    return out


# ---- wav: libsndfile writes every format it knows --------------------------------

class SF_INFO(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int),
                ("channels", ctypes.c_int), ("format", ctypes.c_int),
                ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


SFM_WRITE = 0x20
SFC_SET_ADD_PEAK_CHUNK = 0x1050
BIG = 0x20000000
# (file name, major | subtype [| endian], rate, channels, frames)
FORMATS = [
    ("pcm16_16k_mono.wav", 0x010000 | 0x02, 16000, 1, 160),
    ("pcmu8_8k_mono.wav", 0x010000 | 0x05, 8000, 1, 120),
    ("pcm24_22k_stereo.wav", 0x010000 | 0x03, 22050, 2, 100),
    ("pcm32_48k_mono.wav", 0x010000 | 0x04, 48000, 1, 160),
    ("float_16k_mono.wav", 0x010000 | 0x06, 16000, 1, 100),
    ("double_11k_mono.wav", 0x010000 | 0x07, 11025, 1, 60),
    ("ulaw_8k_mono.wav", 0x010000 | 0x10, 8000, 1, 160),
    ("alaw_8k_mono.wav", 0x010000 | 0x11, 8000, 1, 160),
    ("ima_adpcm_16k_mono.wav", 0x010000 | 0x12, 16000, 1, 1010),
    ("ms_adpcm_16k_mono.wav", 0x010000 | 0x13, 16000, 1, 1010),
    ("gsm610_8k_mono.wav", 0x010000 | 0x20, 8000, 1, 320),
    ("g721_8k_mono.wav", 0x010000 | 0x30, 8000, 1, 160),
    ("pcm16_rifx_16k_mono.wav", 0x010000 | 0x02 | BIG, 16000, 1, 100),
    ("wavex_pcm16_16k_3ch.wav", 0x130000 | 0x02, 16000, 3, 60),
    ("rf64_pcm16_16k_mono.wav", 0x220000 | 0x02, 16000, 1, 100),
    ("w64_pcm16_16k_mono.w64", 0x0B0000 | 0x02, 16000, 1, 100),
    ("aiff_pcm16_16k_mono.aiff", 0x020000 | 0x02, 16000, 1, 100),
    ("aifc_float_16k_mono.aifc", 0x020000 | 0x06, 16000, 1, 60),
    ("au_pcm16_16k_mono.au", 0x030000 | 0x02, 16000, 1, 100),
    ("caf_pcm16_16k_mono.caf", 0x180000 | 0x02, 16000, 1, 100),
    ("caf_alac16_16k_mono.caf", 0x180000 | 0x70, 16000, 1, 400),
    ("nist_pcm16_16k_mono.nist", 0x070000 | 0x02, 16000, 1, 100),
    ("ircam_pcm16_16k_mono.sf", 0x0A0000 | 0x02, 16000, 1, 100),
    ("voc_pcmu8_8k_mono.voc", 0x080000 | 0x05, 8000, 1, 100),
    ("paf_pcm16_16k_mono.paf", 0x050000 | 0x02, 16000, 1, 100),
    ("svx_pcm16_16k_mono.svx", 0x060000 | 0x02, 16000, 1, 100),
    ("mat5_pcm16_16k_mono.mat", 0x0D0000 | 0x02, 16000, 1, 60),
    ("htk_pcm16_16k_mono.htk", 0x100000 | 0x02, 16000, 1, 60),
    ("flac_pcm16_16k_mono.flac", 0x170000 | 0x02, 16000, 1, 400),
    ("vorbis_16k_mono.ogg", 0x200000 | 0x60, 16000, 1, 800),
    ("opus_16k_mono.opus", 0x200000 | 0x64, 16000, 1, 960),
    ("mp3_16k_mono.mp3", 0x230000 | 0x82, 16000, 1, 1152),
]


def make_wav_libsndfile(d):
    path = ctypes.util.find_library("sndfile")
    if not path:
        print("libsndfile not found: no libsndfile-written seeds")
        return
    sf = ctypes.CDLL(path)
    sf.sf_open.restype = ctypes.c_void_p
    sf.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SF_INFO)]
    sf.sf_writef_double.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    sf.sf_command.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    sf.sf_close.argtypes = [ctypes.c_void_p]
    tmp = tempfile.mkdtemp()
    try:
        for name, fmt, rate, ch, frames in FORMATS:
            info = SF_INFO(0, rate, ch, fmt, 0, 0)
            p = os.path.join(tmp, name).encode()
            h = sf.sf_open(p, SFM_WRITE, ctypes.byref(info))
            if not h:
                print("skipped (libsndfile cannot write it):", name)
                continue
            sf.sf_command(h, SFC_SET_ADD_PEAK_CHUNK, None, 0)  # no time stamp
            s = [v / 32768.0 for v in signal(frames, ch, rate)]  # doubles in [-1, 1)
            buf = (ctypes.c_double * len(s))(*s)
            sf.sf_writef_double(h, buf, frames)
            sf.sf_close(h)
            with open(p, "rb") as f:
                put(d, name, f.read())
    finally:
        shutil.rmtree(tmp)


def chunk(cid, payload):
    pad = b"\0" if len(payload) & 1 else b""
    return cid + struct.pack("<I", len(payload)) + payload + pad


def fmt_pcm(rate, ch, bits, endian="<"):
    block = ch * bits // 8
    return struct.pack(endian + "HHIIHH", 1, ch, rate, rate * block, block, bits)


def make_wav_by_hand(d):
    pcm = struct.pack("<%dh" % 80, *signal(80, 1, 16000))
    body = chunk(b"fmt ", fmt_pcm(16000, 1, 16)) + chunk(b"data", pcm)
    put(d, "hand_plain.wav", b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    # data chunk claims 32000 bytes, the file holds 160
    body = chunk(b"fmt ", fmt_pcm(16000, 1, 16)) + b"data" + struct.pack("<I", 32000) + pcm
    put(d, "hand_truncated_data.wav", b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    # odd-sized LIST chunk (padded) between fmt and data, odd-sized junk after
    info = chunk(b"INAM", b"seed\0") + chunk(b"ICMT", b"kws fuzz")
    body = (chunk(b"fmt ", fmt_pcm(16000, 1, 16)) + chunk(b"LIST", b"INFO" + info) +
            chunk(b"data", pcm) + chunk(b"junk", b"xyz"))
    put(d, "hand_list_odd.wav", b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    # data before fmt
    body = chunk(b"data", pcm) + chunk(b"fmt ", fmt_pcm(16000, 1, 16))
    put(d, "hand_data_first.wav", b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    # 8 kHz stereo 8-bit with an 18-byte fmt (cbSize 0) and a fact chunk
    u8 = bytes((v >> 8) + 128 for v in signal(60, 2, 8000))
    body = (chunk(b"fmt ", fmt_pcm(8000, 2, 8) + b"\0\0") + chunk(b"fact", struct.pack("<I", 60)) +
            chunk(b"data", u8))
    put(d, "hand_u8_stereo_fact.wav", b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    # 32-bit float with NaN, infinities, out-of-range and denormal values
    fl = [0.25, float("nan"), float("inf"), -float("inf"), 3.5, -2.0, 1e-40, -0.0] * 4
    fmt = struct.pack("<HHIIHH", 3, 1, 16000, 64000, 4, 32)
    body = chunk(b"fmt ", fmt) + chunk(b"fact", struct.pack("<I", len(fl))) + \
        chunk(b"data", struct.pack("<%df" % len(fl), *fl))
    put(d, "hand_float_nan_inf.wav", b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    # big-endian RIFX
    be = struct.pack(">%dh" % 40, *signal(40, 1, 16000))
    body = (b"fmt " + struct.pack(">I", 16) + fmt_pcm(16000, 1, 16, ">") +
            b"data" + struct.pack(">I", len(be)) + be)
    put(d, "hand_rifx.wav", b"RIFX" + struct.pack(">I", 4 + len(body)) + b"WAVE" + body)


# ---- pcm_stream ------------------------------------------------------------------

def make_pcm_stream(d):
    s = struct.pack("<%dh" % 200, *signal(200, 1, 16000))
    put(d, "plain.raw", struct.pack("<I", 0x00000000) + s)
    put(d, "odd_length.raw", struct.pack("<I", 0x00000011) + s[:77])
    put(d, "eintr.raw", struct.pack("<I", 0x00000100) + s[:301])
    put(d, "eio_at_150.raw", struct.pack("<I", 0x00960200) + s)
    put(d, "eintr_eio.raw", struct.pack("<I", 0x00400300) + s[:129])
    put(d, "empty.raw", struct.pack("<I", 0x12345678))


# ---- kwsm: the layout of kws/model.h ---------------------------------------------

def layer_sizes(cin, h, w, layers):
    """(params, stats, in_h) of a tiny topology, as kws/topology.h lays it out.
    layers: (kind, units, k, bn, maxpool, int8_act)."""
    params = stats = 0
    c, flat = cin, None
    for kind, units, k, bn, pool, act in layers:
        if kind == "conv2d":
            params += units * c * k * k + units
            c = units
            if pool:
                h, w = h // 2, w // 2
        elif kind == "flatten":
            flat = c * h * w
            continue
        else:
            params += units * flat + units
            flat = units
        if bn:
            params += 2 * units
            stats += 2 * units
        if act:
            stats += 1
    return params, stats


def kwsm(topology, classes, mfcc, norm, params, stats, meta=b"", optim=None, calib=None,
         extra=()):
    """Serializes like kws_model_serialize: sections 8-aligned, CRC of [12, end)."""
    f32 = lambda xs: struct.pack("<%df" % len(xs), *xs)
    secs = [(1, topology), (2, b"".join(c + b"\n" for c in classes)),
            (3, struct.pack("<5i3f", *mfcc)),
            (4, struct.pack("<II", len(norm[0]), 0) + f32(norm[0]) + f32(norm[1])),
            (5, f32(params)), (6, f32(stats)), (7, meta)]
    if optim is not None:
        step, epoch, rngs, m, v = optim
        secs.append((8, struct.pack("<qiI", step, epoch, len(rngs)) +
                     b"".join(struct.pack("<4Q", *r) for r in rngs) + f32(m) + f32(v)))
    if calib is not None:
        secs.append((9, struct.pack("<II", len(calib), 0) + f32(calib)))
    secs += list(extra)
    align = lambda n: (n + 7) & ~7
    header = 32 + 24 * len(secs)
    off, table, blob = align(header), b"", b""
    for sid, data in secs:
        table += struct.pack("<IIQQ", sid, 0, off, len(data))
        blob += data + b"\0" * (align(len(data)) - len(data))
        off = align(off + len(data))
    head_pad = b"\0" * (align(header) - header)
    rest = struct.pack("<IQII", header, off, len(secs), 0) + table + head_pad + blob
    return b"KWSM" + struct.pack("<II", 1, zlib.crc32(rest)) + rest


def make_kwsm(d):
    mfcc = (16000, 512, 256, 40, 4, 20.0, 4000.0, 1e-6)
    vals = lambda n, s=0.01: [s * ((i * 37 % 23) - 11) for i in range(n)]
    pos = lambda n: [0.5 + 0.01 * i for i in range(n)]

    topo = b"input 1 4 5\nflatten name=flatten\ndense 3 name=dense\n"
    np_, ns = layer_sizes(1, 4, 5, [("flatten", 0, 0, 0, 0, 0), ("dense", 3, 0, 0, 0, 0)])
    put(d, "dense_row_norm.kwsm",
        kwsm(topo, [b"yes", b"no", b"_unknown_"], mfcc, (vals(4), pos(4)), vals(np_), [],
             b"seed: dense only, one norm pair per MFCC row"))

    topo = (b"input 1 4 6\n"
            b"conv2d 2 kernel=3 relu bn maxpool=2 w=int8 a=int8 name=c1\n"
            b"flatten name=flatten\n"
            b"dense 3 bn dropout=0.25 bn_eps=0.0001 bn_momentum=0.01 w=binary name=out\n")
    np_, ns = layer_sizes(1, 4, 6, [("conv2d", 2, 3, 1, 1, 1), ("flatten", 0, 0, 0, 0, 0),
                                    ("dense", 3, 0, 1, 0, 0)])
    stats = pos(ns)
    optim = (1234, 7, [(1, 2, 3, 4), (5, 6, 7, 8)], vals(np_, 0.001), pos(np_))
    put(d, "conv_cell_norm_optim.kwsm",
        kwsm(topo, [b"up", b"down", b"left"], mfcc, (vals(24), pos(24)), vals(np_), stats,
             b"", optim, calib=[1.0, 2.5, 0.0, 7.25, 3.0],
             extra=[(12, b"a later writer's section")]))

    topo = b"input 1 4 2\nconv2d 1 kernel=1 name=c\nflatten name=f\ndense 2 relu name=d\n"
    np_, ns = layer_sizes(1, 4, 2, [("conv2d", 1, 1, 0, 0, 0), ("flatten", 0, 0, 0, 0, 0),
                                    ("dense", 2, 0, 0, 0, 0)])
    put(d, "tiny_conv.kwsm",
        kwsm(topo, [b"a", b"b"], mfcc, (vals(4), pos(4)), vals(np_), [], b"x" * 9))


# ---- topology and dataset lists --------------------------------------------------

TOPOLOGIES = {
    "all_keys.kwsnet": b"""# every key once
input 2 9 7
conv2d 3 kernel=5 bn relu maxpool=2 dropout=0.5 bn_eps=1e-05 bn_momentum=0.01 w=int4 a=int8 name=first
conv2d 4 kernel=1 relu w=binary a=binary
flatten name=flat
dense 8 relu bn w=int8 a=int8
dense 2 name=logits
""",
    "crlf_comments.kwsnet": b"input 1 8 8\r\n\r\n  # comment\r\nconv2d 2\tkernel=3 # trailing\r\n"
                            b"flatten\r\ndense 4",
    "bad_key.kwsnet": b"input 1 38 55\nconv2d 16 kernal=3\nflatten\ndense 10\n",
    "bad_shape.kwsnet": b"input 1 1 1\nconv2d 4 maxpool=2\nflatten\ndense 2\n",
    "dense_only.kwsnet": b"input 1 38 1\nflatten\ndense 12 dropout=0.1\ndense 12\n",
}

LISTS = {
    "speech_commands.txt": b"".join(b"%s/%08x_nohash_%d.wav\n" % (w, 0x1234 * i + 7, i % 3)
                                    for i, w in enumerate([b"yes", b"no", b"up", b"down",
                                                           b"left", b"right", b"on"] * 2)),
    "forms.txt": b"./yes/a_nohash_0.wav\r\n  no\\b_nohash_1.wav  \n\n.//up/c_nohash_0.wav\n"
                 b"# comment\n/abs/path.wav\n../escape/x.wav\nyes//double.wav\nnofolder.wav\n"
                 b"dir/\nyes/a_nohash_0.wav\nbad/\x01ctl.wav\nlast/no_newline.wav",
    "empty_lines.txt": b"\n\n \t\n\r\n",
}


def make_topology(d):
    for name in sorted(os.listdir(os.path.join(ROOT, "models"))):
        if name.endswith(".kwsnet"):
            shutil.copy(os.path.join(ROOT, "models", name), os.path.join(d, name))
    for name, text in TOPOLOGIES.items():
        put(d, name, text)


def make_lists(d):
    for name, text in LISTS.items():
        put(d, name, text)


def main():
    d = out_dir("wav")
    make_wav_libsndfile(d)
    make_wav_by_hand(d)
    make_pcm_stream(out_dir("pcm_stream"))
    make_kwsm(out_dir("kwsm"))
    make_topology(out_dir("topology"))
    make_lists(out_dir("dataset_lists"))
    total = 0
    for root, _, files in os.walk(CORPUS):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    print("seed corpora: %d bytes in %s" % (total, CORPUS))


if __name__ == "__main__":
    main()
