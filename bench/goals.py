#!/usr/bin/env python3
"""Issue 20's goals in one table and one chart: from the samples the four
benchmarks write (noop.sh, readiness.sh, datapaths.sh, scale.sh), each
goal's measured figure, met or by how much it is missed. Writes the section
between the GOALS markers of bench/results/results.md (added at its end the
first time) and bench/results/goals.png (gnuplot).

Ratios are taken as each benchmark takes them: within a run (berth's median
over the other's median in the same run), then the median over the runs.

usage: bench/goals.py [--results bench/results] [--noop FILE] [--readiness FILE]
                      [--datapaths FILE] [--scale FILE]
"""
import argparse
import csv
import os
import subprocess
from collections import defaultdict
from statistics import median

BEGIN = "<!-- GOALS: written by bench/goals.py -->"
END = "<!-- /GOALS -->"


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def ratio_within_runs(samples, key_run, num, den, value="seconds"):
    """median over runs of median(num's samples) / median(den's samples)."""
    by = defaultdict(list)
    for s in samples:
        by[(s[key_run], s["tool"])].append(float(s[value]))
    ratios = []
    for run in sorted({r for r, _ in by}):
        if by.get((run, num)) and by.get((run, den)):
            ratios.append(median(by[(run, num)]) / median(by[(run, den)]))
    return (median(ratios), ratios) if ratios else (None, [])


def load_range(samples, key="load1"):
    loads = [float(s[key]) for s in samples if s.get(key)]
    return (min(loads), median(loads), max(loads)) if loads else None


def verdict(value, goal):
    if value is None:
        return "not measured"
    if value <= goal:
        return "met"
    return f"missed by {100 * (value / goal - 1):.0f} %"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=os.path.join(os.path.dirname(__file__), "results"))
    ap.add_argument("--noop")
    ap.add_argument("--readiness")
    ap.add_argument("--datapaths")
    ap.add_argument("--scale")
    a = ap.parse_args()
    R = a.results
    noop = a.noop or os.path.join(R, "noop-samples.csv")
    ready = a.readiness or os.path.join(R, "readiness.csv")
    data = a.datapaths or os.path.join(R, "datapaths.csv")
    scale = a.scale or os.path.join(R, "scale-samples.csv")

    goals = []  # (label, measured text, ratio to goal for the chart, goal text, verdict, source)

    s = rows(noop)
    lr = load_range(s)
    for shape in ("standard", "bare"):
        sub = [x for x in s if x["shape"] == shape]
        for tool, goal in (("up", 1.2), ("ps", 1.1), ("plan", 1.2)):
            r, runs = ratio_within_runs(sub, "run", tool, "raw")
            if r is None:
                continue
            goals.append((f"no-op {tool}, N = 200 {shape} / raw list", f"{r:.2f}×", r / goal,
                          f"≤ {goal}×", verdict(r, goal), os.path.basename(noop), lr))

    s = rows(ready)
    r, runs = ratio_within_runs(s, "run", "berth", "compose", value="ready_s")
    goals.append(("readiness chain of 5 / compose", f"{r:.2f}×", r / 0.8, "≤ 0.8×",
                  verdict(r, 0.8), os.path.basename(ready), load_range(s, "load")))

    s = rows(data)
    lr = load_range(s)
    for step, goal in (("cp-in-file", 0.8), ("cp-out-file", 0.8), ("cp-in-tree", 0.8),
                       ("cp-out-tree", 0.8), ("logs", 1.0), ("exec", 0.8)):
        sub = [x for x in s if x["step"] == step]
        r, runs = ratio_within_runs(sub, "run", "berth", "docker")
        if r is None:
            continue
        goals.append((f"{step} / docker CLI", f"{r:.2f}×", r / goal, f"≤ {goal}×",
                      verdict(r, goal), os.path.basename(data), lr))

    s = rows(scale)
    lr = load_range(s)
    for op in ("config", "plan"):
        sub = [x for x in s if x["n"] == "2000" and x["tool"] == "berth" and x["op"] == op]
        if not sub:
            continue
        wall = median(float(x["seconds"]) for x in sub) * 1000
        rss = median(float(x["rss_kb"]) for x in sub) / 1024
        goals.append((f"{op} of 2,000 parts, wall", f"{wall:.0f} ms", wall / 100, "< 100 ms",
                      verdict(wall, 100), os.path.basename(scale), lr))
        goals.append((f"{op} of 2,000 parts, peak RSS", f"{rss:.1f} MB", rss / 32, "< 32 MB",
                      verdict(rss, 32), os.path.basename(scale), lr))

    out = [BEGIN, "", "## Issue 20's goals, from the latest samples of each benchmark", "",
           "Each benchmark's own page (noop.md, readiness.md, datapaths.md, scale.md) "
           "has its machine, engine, load and the reasons for a goal missed; this is "
           "their summary, made by `bench/goals.py` from their samples.", "",
           "| goal | measured | target | verdict | samples | load (1 min: min / median / max) |",
           "|---|--:|--:|---|---|---|"]
    for label, meas, _, target, v, src, lr in goals:
        load = f"{lr[0]:.1f} / {lr[1]:.1f} / {lr[2]:.1f}" if lr else "?"
        out.append(f"| {label} | {meas} | {target} | {v} | {src} | {load} |")
    out += ["", "![measured over goal: below 1 is met](goals.png)", "", END]

    md = os.path.join(R, "results.md")
    with open(md) as f:
        text = f.read()
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + "\n".join(out) + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(out) + "\n"
    with open(md, "w") as f:
        f.write(text)

    dat = os.path.join(R, "goals.dat")
    with open(dat, "w") as f:
        for i, g in enumerate(goals):
            f.write(f'{i} "{g[0]}" {g[2]:.4f}\n')
    gp = "\n".join([
        'set terminal pngcairo size 1200,600 font "sans,9"',
        f'set output "{os.path.join(R, "goals.png")}"',
        'set title "Issue 20: measured over goal (below the line: met)"',
        'set style fill solid 0.6', 'set boxwidth 0.7', 'set yrange [0:*]',
        'set xtics rotate by -35 left', 'set key off', 'set grid ytics', 'set rmargin 14',
        'set bmargin 12',
        'set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "red"',
        f'plot "{dat}" using 1:3:xtic(2) with boxes lc rgb "#4477aa"',
    ])
    subprocess.run(["gnuplot"], input=gp.encode(), check=True)
    os.unlink(dat)
    for g in goals:
        print(f"{g[0]}: {g[1]} (goal {g[3]}): {g[4]}")


if __name__ == "__main__":
    main()
