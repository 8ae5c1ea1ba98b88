#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, grown from valid files.

usage: make_seeds.py BASE_DIR DATA_DIR OUT_DIR

BASE_DIR is what mnet-fuzz-seeds wrote (tiny valid models and images); DATA_DIR
is the shared data folder (the real V2 header and a real JPEG prefix are used).
OUT_DIR/<target>/ gets the valid files plus, for each, truncations at every
section boundary, random byte flips and format-aware header edits; OUT_DIR/
<target>.dict gets a libFuzzer dictionary of the format's keywords. Output is
deterministic (fixed seed); nothing here is committed but this script.
"""
import hashlib
import json
import os
import random
import struct
import sys

rng = random.Random(20261127)


def put(out_dir, data, tag):
    os.makedirs(out_dir, exist_ok=True)
    name = "%s-%s" % (tag, hashlib.sha1(data).hexdigest()[:12])
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)


def flips(data, count, lo=0, hi=None):
    """`count` copies of data, each with 1..4 random bytes replaced in [lo, hi)."""
    hi = len(data) if hi is None else hi
    out = []
    for _ in range(count):
        b = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            if hi > lo:
                b[rng.randrange(lo, hi)] = rng.randrange(256)
        out.append(bytes(b))
    return out


# ---------------------------------------------------------------- safetensors
def split_safetensors(data):
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), data[8 + n:]


def join_safetensors(header, body):
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + body


def header_edits(header):
    """Format-aware edits of a parsed header: one problem each."""
    names = [k for k in header if k != "__metadata__"]
    edits = []

    def edit(fn):
        h = json.loads(json.dumps(header))
        fn(h)
        edits.append(h)

    for name in rng.sample(names, min(6, len(names))):
        edit(lambda h, n=name: h.pop(n))                                       # missing tensor
        edit(lambda h, n=name: h[n].__setitem__("dtype", rng.choice(["I32", "F16", "BF16", "F64", "U8", "BOOL", "Q4", ""])))
        edit(lambda h, n=name: h[n].__setitem__("shape", list(reversed(h[n]["shape"]))))
        edit(lambda h, n=name: h[n].__setitem__("shape", h[n]["shape"] + [1]))
        edit(lambda h, n=name: h[n].__setitem__("shape", [2 ** 62, 2 ** 62]))
        edit(lambda h, n=name: h[n].__setitem__("shape", [-1] + h[n]["shape"][1:]))
        edit(lambda h, n=name: h[n].__setitem__("data_offsets", [h[n]["data_offsets"][1], h[n]["data_offsets"][0]]))
        edit(lambda h, n=name: h[n].__setitem__("data_offsets", [0, h[n]["data_offsets"][1] - h[n]["data_offsets"][0]]))
        edit(lambda h, n=name: h[n].__setitem__("data_offsets", [2 ** 63, 2 ** 63 + 4]))
        edit(lambda h, n=name: h[n].__setitem__("data_offsets", [1]))
        edit(lambda h, n=name: h.__setitem__(n, [1, 2, 3]))
        edit(lambda h, n=name: h.__setitem__(n + ".extra", {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}))
    for key, values in {"arch": ["mobilenet_v1", "mobilenet_v2", "mobilenet_v3", ""],
                        "width_multiplier": ["0.75", "4", "4.0001", "0", "-1", "nan", "1e309", "0.05", "2.0"],
                        "resolution": ["0", "1", "4096", "4097", "224.5", "x"],
                        "num_classes": ["1", "1000000", "1000001", "3", "1001"],
                        "bn_eps": ["0", "1", "1e-3", "inf"],
                        "bn_folded": ["true", "false", "yes"],
                        "padding": ["tf_same", "symmetric", "reflect"],
                        "preprocess": ["tf_inception", "torchvision", "none"]}.items():
        for v in values:
            edit(lambda h, k=key, v=v: h.setdefault("__metadata__", {}).__setitem__(k, v))
    edit(lambda h: h.__setitem__("__metadata__", {"resolution": 32}))
    edit(lambda h: h.__setitem__("__metadata__", [1]))
    edit(lambda h: h.pop("__metadata__", None))
    return edits


def safetensors_corpora(base, data_dir, out):
    hdr_dir, raw_dir = os.path.join(out, "safetensors_header"), os.path.join(out, "safetensors_raw")
    files = sorted(os.path.join(base, "safetensors", f) for f in os.listdir(os.path.join(base, "safetensors")))
    real = os.path.join(data_dir, "weights", "mobilenet_v2_1.0_224.safetensors")
    with open(real, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        put(hdr_dir, f.read(n), "real-v2-header")
    for path in files:
        data = open(path, "rb").read()
        header, body = split_safetensors(data)
        text = json.dumps(header, separators=(",", ":")).encode()
        n = len(text)
        put(hdr_dir, text, "valid")
        for h in header_edits(header):
            put(hdr_dir, json.dumps(h, separators=(",", ":")).encode(), "edit")
        for cut in sorted({0, 1, n // 3, n // 2, n - 1}):
            put(hdr_dir, text[:cut], "cut")
        for f in flips(text, 20):
            put(hdr_dir, f, "flip")
        if len(data) > 100000:
            continue  # raw mode: only the small files (max_len keeps runs fast)
        put(raw_dir, data, "valid")
        for cut in sorted({0, 4, 7, 8, 8 + n // 2, 8 + n - 1, 8 + n, 8 + n + len(body) // 2, len(data) - 1}):
            put(raw_dir, data[:cut], "cut")
        for length in (2 ** 63, 2 ** 64 - 1, 0, len(data), len(data) - 8, n + 1):
            put(raw_dir, struct.pack("<Q", length) + data[8:], "length")
        for h in rng.sample(header_edits(header), 40):
            put(raw_dir, join_safetensors(h, body), "edit")
        for f in flips(data, 20, 0, 8 + n):
            put(raw_dir, f, "flip-header")
        for f in flips(data, 10, 8 + n):
            put(raw_dir, f, "flip-data")
        # a NaN and an Inf in the first tensor's data (F32 files)
        if b'"F32"' in text:
            for bad in (b"\x00\x00\xc0\x7f", b"\x00\x00\x80\x7f"):
                put(raw_dir, data[:8 + n] + bad + data[8 + n + 4:], "nonfinite")
    with open(os.path.join(out, "safetensors.dict"), "w") as d:
        for word in ["dtype", "shape", "data_offsets", "__metadata__", "F32", "F16", "BF16", "F64", "I64", "I32",
                     "U8", "BOOL", "arch", "mobilenet_v1", "mobilenet_v2", "width_multiplier", "resolution",
                     "num_classes", "bn_eps", "bn_folded", "true", "padding", "tf_same", "symmetric", "preprocess",
                     "tf_inception", "torchvision", ".weight", ".bias", ".running_mean", ".running_var",
                     ".num_batches_tracked", "features.", "classifier.1.weight", "classifier.1.bias", ".conv.",
                     "features.1.conv.0.0.weight", "features.1.0.weight"]:
            d.write('"%s"\n' % word)


# ---------------------------------------------------------------- tflite
def tflite_corpus(base, out):
    tf_dir = os.path.join(out, "tflite")
    for name in sorted(os.listdir(os.path.join(base, "tflite"))):
        data = open(os.path.join(base, "tflite", name), "rb").read()
        put(tf_dir, data, "valid")
        for cut in sorted({0, 4, 8, 12, 64, len(data) // 4, len(data) // 2, len(data) - 1}):
            put(tf_dir, data[:cut], "cut")
        # root offset and file identifier edits
        put(tf_dir, struct.pack("<I", len(data)) + data[4:], "root")
        put(tf_dir, data[:4] + b"TFL2" + data[8:], "ident")
        # flatbuffer tables live after the buffers' data in these files: flip everywhere,
        # and twice as often in the last quarter (tables, vtables, vectors of indices)
        for f in flips(data, 15) + flips(data, 30, 3 * len(data) // 4):
            put(tf_dir, f, "flip")
        # 32-bit little-endian fields set to extreme values
        for _ in range(15):
            b = bytearray(data)
            at = rng.randrange(0, len(b) - 4) & ~3
            b[at:at + 4] = struct.pack("<I", rng.choice([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0x80000000, len(data)]))
            put(tf_dir, bytes(b), "word")
    with open(os.path.join(out, "tflite.dict"), "w") as d:
        d.write('"TFL3"\n"\\xff\\xff\\xff\\xff"\n"\\x00\\x00\\x00\\x80"\n"\\x01\\x00\\x00\\x00"\n')


# ---------------------------------------------------------------- images
def image_corpus(base, data_dir, out):
    im_dir = os.path.join(out, "image")
    for name in sorted(os.listdir(os.path.join(base, "image"))):
        data = open(os.path.join(base, "image", name), "rb").read()
        put(im_dir, data, "valid")
        for cut in sorted({1, 2, 3, 8, 16, len(data) // 2, len(data) - 1}):
            put(im_dir, data[:cut], "cut")
        for f in flips(data, 12):
            put(im_dir, f, "flip")
        if name.endswith(".png"):  # IHDR width/height (big-endian at 16..24) set large
            for w, h in ((16384, 1), (16385, 1), (10001, 10000), (0, 5), (0x7FFFFFFF, 0x7FFFFFFF)):
                put(im_dir, data[:16] + struct.pack(">II", w, h) + data[24:], "dims")
    # the first kB of a real photo: a real JPEG header (tables, SOF, Huffman), truncated
    photo = open(os.path.join(data_dir, "images", "chelsea.jpg"), "rb").read()
    put(im_dir, photo[:2048], "photo-prefix")
    put(im_dir, b"this is not a picture\n", "text")
    put(im_dir, b"", "empty")
    with open(os.path.join(out, "image.dict"), "w") as d:
        for word in ["\\xff\\xd8\\xff", "\\x89PNG\\x0d\\x0a\\x1a\\x0a", "IHDR", "IDAT", "IEND", "PLTE", "tRNS", "BM",
                     "GIF89a", "GIF87a", "P5", "P6", "\\xff\\xc0", "\\xff\\xc2", "\\xff\\xc4", "\\xff\\xdb", "\\xff\\xda",
                     "\\xff\\xdd", "\\xff\\xd9"]:
            d.write('"%s"\n' % word)


# ---------------------------------------------------------------- CLI args
def args_corpus(out):
    a_dir = os.path.join(out, "classify_args")
    lists = [
        ["--model", "m.safetensors", "a.jpg"],
        ["--model=m.tflite", "--model", "head.tflite", "--top", "3", "--threads=2", "a.jpg", "b.png"],
        ["--model", "m.tflite", "--labels", "l.txt", "--preset", "torchvision", "--dump-logits", "o.bin", "--bench",
         "10", "--", "--weird.jpg"],
        ["--help"], ["-h"], ["--top", "0", "x"], ["--top"], ["--threads", "1025", "--model", "m", "i"],
        ["--top=+5", "--model", "m", "i"], ["--preset=", "--model", "m", "i"], ["--bench", "99999999999"],
        ["--model", "m", "--labels", "a", "--labels", "b", "i"], ["--unknown"], [""], ["-"], ["--"],
        ["--model", "q.tflite", "--precision", "int8", "i"], ["--precision=float", "--model", "m", "--profile", "i"],
        ["--precision", "int4", "--model", "m", "i"], ["--input-size", "160", "--model", "m", "i"],
    ]
    for args in lists:
        put(a_dir, b"\0".join(a.encode() for a in args), "args")
    with open(os.path.join(out, "classify_args.dict"), "w") as d:
        for word in ["--model", "--labels", "--top", "--threads", "--preset", "--dump-logits", "--bench", "--help",
                     "--precision", "int8", "float", "--input-size", "--profile",
                     "--", "=", "tf_inception", "torchvision", "\\x00"]:
            d.write('"%s"\n' % word)


def segment_args_corpus(out):
    a_dir = os.path.join(out, "segment_args")
    lists = [
        ["--model", "deeplab.tflite", "a.png"],
        ["--model=d.tflite", "--threads=2", "--out", "o", "--dump-logits", "l.f32", "--dump-mask=m.u8",
         "--precision", "float", "--labels", "voc.txt", "a/x.png", "b/y.jpg"],
        ["--model", "d", "a/x.png", "b/x.jpg"], ["--model", "d", "--dump-mask", "o", "--dump-logits", "o", "i"],
        ["--help"], ["-h"], ["--threads", "0", "x"], ["--precision", "int8"], ["--out="], ["--model", "d", "dir/.."],
        ["--model", "m", "--", "--out"], ["--unknown"], [""], ["-"], ["--"],
    ]
    for args in lists:
        put(a_dir, b"\0".join(a.encode() for a in args), "args")
    with open(os.path.join(out, "segment_args.dict"), "w") as d:
        for word in ["--model", "--labels", "--threads", "--out", "--dump-logits", "--dump-mask", "--precision",
                     "--help", "--", "=", "float", "/", ".", "..", ".png", "\\x00"]:
            d.write('"%s"\n' % word)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    base, data_dir, out = sys.argv[1:]
    safetensors_corpora(base, data_dir, out)
    tflite_corpus(base, out)
    image_corpus(base, data_dir, out)
    args_corpus(out)
    segment_args_corpus(out)
    for target in sorted(os.listdir(out)):
        if os.path.isdir(os.path.join(out, target)):
            print("%-20s %5d seeds" % (target, len(os.listdir(os.path.join(out, target)))))


if __name__ == "__main__":
    main()
