#!/usr/bin/python3
"""Turns mnet-bench-models JSON output (one file per thread count) into the grid CSV.

Reads the median/min/p90 aggregates of each benchmark (one repetition = one
inference, so these are over single runs) and derives GFLOP/s, % of peak and
images/s from the median latency. The CPU, kernel ISA and measured FMA peak come
from each file's context and are repeated on every row, so no figure travels
without the machine it was measured on.

Integer rows (precision "int8-quant": the uint8 per-tensor .tflite, "int8-ptq": the
int8 per-channel one; "f32" for the float rows) count GOPS = 2·MAdds / time in the
gflops column and pct_peak against int_peak_gops_per_core (512-bit vpdpbusd, 2 ops
per u8·s8 product) × threads.

usage: grid_csv.py OUT.csv RUN.json [RUN.json ...]
"""
import csv
import json
import re
import sys

COLUMNS = ["arch", "width", "resolution", "threads", "batch", "blocks", "precision", "madds", "latency_ms_median",
           "latency_ms_min", "gflops", "pct_peak", "images_per_s",
           # beyond the brief's columns: noise and provenance
           "latency_ms_p90", "runs", "arena_bytes", "other_load_cores", "cpu", "isa", "fma_peak_gflops_per_core", "int_peak_gops_per_core", "loadavg_1min"]

# "v2/1.0-224/t1/b1/unfused/...": inverted residuals on whole tensors; without it, fused (V2) or none (V1);
# ".../b1/int8-quant/...": the integer path on a quantized file
NAME = re.compile(r"^(v[12])/([0-9.]+)-(\d+)/t(\d+)/b(\d+)/(unfused/)?(int8-(?:quant|ptq)/)?")
TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def rows_of(path):
    with open(path) as f:
        run = json.load(f)
    ctx = run["context"]
    peak = float(ctx["fma_peak_gflops_per_core"])
    int_peak = float(ctx.get("int_peak_gops_per_core", 0))
    by_name = {}
    for b in run["benchmarks"]:
        if b.get("run_type") != "aggregate":
            continue
        m = NAME.match(b["run_name"])
        if not m:
            continue
        entry = by_name.setdefault(m.groups(), {})
        entry[b["aggregate_name"]] = b["real_time"] * TO_MS[b["time_unit"]]
        if b["aggregate_name"] == "median":
            entry["counters"] = b  # Google Benchmark puts user counters at the top level
        entry["runs"] = b.get("repetitions", "")
    for (arch, width, res, threads, batch, unfused, integer), e in by_name.items():
        threads, batch = int(threads), int(batch)
        precision = integer.rstrip("/") if integer else "f32"
        row_peak = int_peak if integer else peak
        madds = round(e["counters"]["MAdds_M"] * 1e6)
        median = e["median"]
        gflops = 2.0 * madds * batch / (median * 1e-3) * 1e-9
        yield {
            "arch": arch, "width": width, "resolution": int(res), "threads": threads, "batch": batch,
            "blocks": "unfused" if unfused else ("fused" if arch == "v2" and not integer else "-"), "precision": precision,
            "madds": madds, "latency_ms_median": f"{median:.4f}", "latency_ms_min": f"{e['min']:.4f}",
            "gflops": f"{gflops:.2f}", "pct_peak": f"{100.0 * gflops / (row_peak * threads):.1f}" if row_peak > 0 else "",
            "images_per_s": f"{batch / (median * 1e-3):.1f}", "latency_ms_p90": f"{e['p90']:.4f}",
            "runs": e["runs"], "arena_bytes": round(e["counters"].get("arena_bytes", 0)), "other_load_cores": f'{e["counters"].get("other_load_cores", 0):.2f}',
            "cpu": ctx["cpu_model"], "isa": ctx["mnet_isa"],
            "fma_peak_gflops_per_core": ctx["fma_peak_gflops_per_core"],
            "int_peak_gops_per_core": ctx.get("int_peak_gops_per_core", ""),
            "loadavg_1min": ctx.get("loadavg_1min", ""),
        }


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    # one row per configuration: when several files measured it, the last file wins
    unique = {}
    for path in sys.argv[2:]:
        for r in rows_of(path):
            unique[(r["arch"], r["width"], r["resolution"], r["threads"], r["batch"], r["blocks"], r["precision"])] = r
    rows = list(unique.values())
    rows.sort(key=lambda r: (r["precision"] != "f32", r["threads"], r["batch"], r["arch"], r["blocks"], r["precision"],
                             -float(r["width"]), -r["resolution"]))
    with open(sys.argv[1], "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
