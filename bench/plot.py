#!/usr/bin/python3
"""Plots latency against MAdds from a grid CSV (bench/grid_csv.py), like the
MobileNet papers' accuracy-vs-MAdds figures: one panel per thread count, V1 and
V2 as two series, each point labelled "width-resolution", points of one width
joined across resolutions, bars from the fastest run to the 90th percentile
(the noise of a shared machine, next to the other processes' load). Dotted lines mark 25 % and 50 % of the measured FMA
peak (threads x per-core peak), the issue's efficiency bar. Batch-1 rows only.

usage: /usr/bin/python3 plot.py GRID.csv OUT.png   (Debian's python3-matplotlib)
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402

STYLE = {"v1": dict(color="tab:blue", marker="o", label="MobileNetV1"),
         "v2": dict(color="tab:orange", marker="s", label="MobileNetV2 (fused blocks, the default)"),
         "v2u": dict(color="tab:red", marker="x", label="MobileNetV2, unfused blocks")}


def series(row):
    """v1, v2 (fused inverted residuals) or v2u (unfused, grids from before 2026-11-28 have no such rows)."""
    return row["arch"] + ("u" if row.get("blocks") == "unfused" else "")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        # float rows only (integer rows, precision int8-*, count GOPS against another peak)
        rows = [r for r in csv.DictReader(f) if r["batch"] == "1" and r.get("precision", "f32") == "f32"]
    threads = sorted({int(r["threads"]) for r in rows})
    first = rows[0]
    peak = float(first["fma_peak_gflops_per_core"])

    fig, axes = plt.subplots(1, len(threads), figsize=(7.5 * len(threads), 6.5), sharey=True, squeeze=False)
    for ax, t in zip(axes[0], threads):
        mine = [r for r in rows if int(r["threads"]) == t]
        for arch, style in STYLE.items():
            pts = [r for r in mine if series(r) == arch]
            if not pts:
                continue
            for width in sorted({r["width"] for r in pts}):
                line = sorted((float(r["madds"]) / 1e6, float(r["latency_ms_median"])) for r in pts if r["width"] == width)
                ax.plot(*zip(*line), color=style["color"], lw=0.7, alpha=0.5)
            xs = [float(r["madds"]) / 1e6 for r in pts]
            med = [float(r["latency_ms_median"]) for r in pts]
            # noise band of each point: from the fastest run to the 90th percentile
            ax.errorbar(xs, med, yerr=[[m - float(r["latency_ms_min"]) for m, r in zip(med, pts)],
                                       [float(r["latency_ms_p90"]) - m for m, r in zip(med, pts)]],
                        fmt="none", ecolor=style["color"], elinewidth=0.6, alpha=0.45, zorder=2)
            ax.scatter(xs, med, s=22, zorder=3, **style)
            for r in pts if arch != "v2u" else []:  # the unfused twin sits next to its fused point
                ax.annotate(f'{r["width"]}-{r["resolution"]}', (float(r["madds"]) / 1e6, float(r["latency_ms_median"])),
                            xytext=(4, -3 if arch == "v1" else 3), textcoords="offset points", fontsize=6,
                            color=style["color"])
        xs = [float(r["madds"]) / 1e6 for r in mine]
        lo, hi = min(xs) * 0.8, max(xs) * 1.25
        for frac, ls in ((0.5, ":"), (0.25, "--")):
            # latency (ms) = 2 * MAdds / (frac * peak * threads GFLOP/s)
            ax.plot([lo, hi], [2 * x * 1e6 / (frac * peak * t * 1e9) * 1e3 for x in (lo, hi)], color="grey", ls=ls,
                    lw=0.8, label=f"{int(frac * 100)} % of FMA peak ({frac * peak * t:.0f} GFLOP/s)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        for axis in (ax.xaxis, ax.yaxis):  # plain numbers (20, 50, 100), not 10^x
            axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            axis.set_minor_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}" if str(v)[0] in "25" else ""))
        ax.grid(True, which="both", lw=0.3, alpha=0.5)
        ax.set_xlabel("MAdds (millions)")
        load = sum(float(r.get("other_load_cores") or 0) for r in mine) / len(mine)
        ax.set_title(f"{t} thread{'s' if t > 1 else ''}, batch 1 — other processes used {load:.1f} cores on average")
        ax.legend(loc="upper left", fontsize=8)
    axes[0][0].set_ylabel("latency, median (ms)")
    fig.suptitle(f'mnet latency vs MAdds — {first["cpu"]}, kernels {first["isa"]}, '
                 f'FMA peak {peak:.0f} GFLOP/s per core\n'
                 f'points: median of {first["runs"]} single runs; bars: fastest run to 90th percentile', fontsize=11)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=130)


if __name__ == "__main__":
    main()
