#!/usr/bin/env python3
"""Plots for `lpsweep plot`: reads the JSON written by lps::analysis::plot_data_json and writes
loss_vs_d, residuals and (if present) region_map, each as PNG and SVG, into an output folder.

usage: plot_fit.py PLOT_DATA.json OUT_DIR [--formats png,svg]
"""
import argparse
import json
import math
import os
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    from matplotlib.colors import ListedColormap
except ImportError as exc:  # the C++ caller turns this into a clear error
    sys.stderr.write(f"plot_fit.py: matplotlib is not available in {sys.executable}: {exc}\n"
                     "install it (scripts/setup.sh puts it in .venv) or point LPS_PYTHON at a python that has it\n")
    sys.exit(3)


def scheme(p):
    return f"{p['fwd']}/{p['bwd']}"


def fmt_n(n):
    return f"{n / 1e9:.3g}B" if n >= 1e9 else f"{n / 1e6:.3g}M"


def save(fig, out_dir, stem, formats):
    paths = []
    for ext in formats:
        path = os.path.join(out_dir, f"{stem}.{ext}")
        fig.savefig(path, dpi=150, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths


def plot_loss_vs_d(data, out_dir, formats):
    schemes = sorted({scheme(p) for p in data["points"]})
    sizes = sorted({p["n"] for p in data["points"]})
    cmap = plt.get_cmap("viridis", max(len(sizes), 2))
    ncols = min(len(schemes), 3)
    nrows = math.ceil(len(schemes) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 4.2 * nrows), squeeze=False, sharey=True,
                             constrained_layout=True)
    for k, s in enumerate(schemes):
        ax = axes[k // ncols][k % ncols]
        for i, n in enumerate(sizes):
            color = cmap(i)
            pts = [p for p in data["points"] if scheme(p) == s and p["n"] == n]
            if not pts:
                continue
            ax.scatter([p["d"] for p in pts], [p["loss"] for p in pts], color=color, s=18, zorder=3,
                       label=f"N={fmt_n(n)}")
            for c in data["curves"]:
                if c["n"] == n and scheme(c) == s:
                    ax.plot(c["d"], c["loss"], color=color, lw=1.2)
        ax.set_xscale("log")
        ax.set_xlabel("tokens D")
        ax.set_ylabel("loss")
        ax.set_title(s, fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    for k in range(len(schemes), nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    fig.suptitle(data["formula"], fontsize=10)
    return save(fig, out_dir, "loss_vs_d", formats)


def plot_residuals(data, out_dir, formats):
    schemes = sorted({scheme(p) for p in data["points"]})
    fig, ax = plt.subplots(figsize=(7, 4))
    markers = "osD^v<>PX*"
    for k, s in enumerate(schemes):
        pts = [p for p in data["points"] if scheme(p) == s]
        ax.scatter([p["d"] / p["n"] for p in pts], [100 * p["log_residual"] for p in pts], s=20,
                   marker=markers[k % len(markers)], label=s)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("tokens per parameter D/N")
    ax.set_ylabel("ln L − ln L̂  (%)")
    ax.set_title("fit residuals")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    return save(fig, out_dir, "residuals", formats)


def plot_map(data, out_dir, formats):
    m = data["map"]
    configs = m["configs"]
    colors = ["#d0d0d0", "#2a9d8f", "#e76f51", "#264653", "#e9c46a", "#8ab17d"]
    cmap = ListedColormap(colors[:max(len(configs), 2)])
    fig, ax = plt.subplots(figsize=(7, 4.8))
    mesh = ax.pcolormesh(m["n"], m["ratio"], m["winner"], cmap=cmap, vmin=-0.5, vmax=len(cmap.colors) - 0.5,
                         shading="nearest")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("model size N (parameters)")
    ax.set_ylabel("tokens per parameter D/N")
    ax.set_title("lowest predicted loss at equal training cost")
    handles = [plt.Rectangle((0, 0), 1, 1, color=cmap.colors[i]) for i in range(len(configs))]
    ax.legend(handles, configs, loc="upper left", fontsize=8, framealpha=0.9)
    del mesh
    return save(fig, out_dir, "region_map", formats)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data")
    parser.add_argument("out_dir")
    parser.add_argument("--formats", default="png,svg")
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    with open(args.data) as f:
        data = json.load(f)
    if data.get("schema") != "lpsweep.plot":
        sys.stderr.write(f"plot_fit.py: {args.data} is not an lpsweep plot-data file\n")
        return 2
    os.makedirs(args.out_dir, exist_ok=True)
    written = plot_loss_vs_d(data, args.out_dir, formats) + plot_residuals(data, args.out_dir, formats)
    if data.get("map"):
        written += plot_map(data, args.out_dir, formats)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
