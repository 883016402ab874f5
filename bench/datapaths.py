#!/usr/bin/env python3
"""The table of bench/datapaths.sh: per step, each tool's median wall time,
CPU and peak RSS over all runs, and the berth/docker ratio taken within each
run (berth's median over docker's median in the same run), then the median
of those ratios over the runs, against the goal of issue 20."""
import argparse
import csv
import os
import platform
import statistics
from collections import defaultdict

STEPS = [
    ("cp-in-file", "cp 1 GiB file, host → container", 0.8),
    ("cp-out-file", "cp 1 GiB file, container → host", 0.8),
    ("cp-in-tree", "cp 20,000 files, host → container", 0.8),
    ("cp-out-tree", "cp 20,000 files, container → host", 0.8),
    ("logs", "logs, 50 containers × 20,000 lines", 1.0),
    ("exec", "exec true (round trip)", 0.8),
]


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_gb = int(f.readline().split()[1]) / 1024 / 1024
    try:
        with open("/etc/debian_version") as f:
            debian = f.read().strip()
    except OSError:
        debian = "?"
    return f"{model}, {os.cpu_count()} cores, {mem_gb:.1f} GiB, Linux {platform.release()}, Debian {debian}"


def fmt_t(s):
    return f"{s * 1000:.0f} ms" if s < 10 else f"{s:.1f} s"


def main():
    ap = argparse.ArgumentParser()
    for k in ("samples", "out", "version", "engine", "docker", "berth", "runs", "reps", "exec_reps", "elapsed"):
        ap.add_argument("--" + k.replace("_", "-"), dest=k, required=True)
    a = ap.parse_args()
    wall = defaultdict(list)      # (step, tool) -> all samples
    cpu = defaultdict(list)
    rss = defaultdict(list)
    per_run = defaultdict(list)   # (step, tool, run) -> samples
    loads = []
    with open(a.samples) as f:
        for r in csv.DictReader(f):
            k = (r["step"], r["tool"])
            wall[k].append(float(r["seconds"]))
            cpu[k].append(float(r["cpu_s"]))
            rss[k].append(int(r["rss_kb"]))
            per_run[(r["step"], r["tool"], r["run"])].append(float(r["seconds"]))
            loads.append(float(r["load1"]))
    runs = sorted({k[2] for k in per_run})
    lines = [
        "# berth's data paths against the docker CLI (issue 20, part 3)",
        "",
        f"Machine: {machine()}. Engine: {a.version} ({a.engine}). "
        f"docker CLI: {a.docker}. berth {a.berth}.",
        f"{a.runs} runs; in each, {a.reps} repetitions of each step per tool "
        f"({a.exec_reps} for exec), the tools alternating. Load average (1 min) "
        f"during the samples: median {statistics.median(loads):.1f}, "
        f"min {min(loads):.1f}, max {max(loads):.1f} (2 cores shared with other work). "
        f"Run time {float(a.elapsed) / 60:.0f} min.",
        "",
        "Wall, CPU (user + system, children included) and peak RSS: medians of every "
        "sample of the step. Ratio: berth's median over docker's within each run, "
        "then the median over runs (the per-run ratios in brackets).",
        "",
        "| step | berth wall | docker wall | berth/docker | goal | berth CPU | docker CPU "
        "| berth peak RSS | docker peak RSS |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    floor = [
        "",
        "The engine's own floor: the same transfer with no client work (curl sending a "
        "tar made beforehand, or receiving the engine's tar or logs into /dev/null). "
        "A goal below the floor cannot be met by any client: the goal in floor terms "
        "is the goal times docker's wall over the floor's.",
        "",
        "| step | engine floor wall | berth/floor | docker/floor | the goal, over the floor |",
        "|---|--:|--:|--:|--:|",
    ]
    for step, title, goal in STEPS:
        b, d = (step, "berth"), (step, "docker")
        if not wall[b] or not wall[d]:
            continue
        ratios = []
        for run in runs:
            pb, pd = per_run.get((step, "berth", run)), per_run.get((step, "docker", run))
            if pb and pd:
                ratios.append(statistics.median(pb) / statistics.median(pd))
        ratio = statistics.median(ratios)
        met = "met" if ratio <= goal else f"not met (+{(ratio / goal - 1) * 100:.0f} %)"
        lines.append(
            f"| {title} | {fmt_t(statistics.median(wall[b]))} | {fmt_t(statistics.median(wall[d]))} "
            f"| **{ratio:.2f}×** ({', '.join(f'{x:.2f}' for x in ratios)}) | ≤ {goal:.1f}×: {met} "
            f"| {fmt_t(statistics.median(cpu[b]))} | {fmt_t(statistics.median(cpu[d]))} "
            f"| {statistics.median(rss[b]) / 1024:.1f} MB (max {max(rss[b]) / 1024:.1f}) "
            f"| {statistics.median(rss[d]) / 1024:.1f} MB (max {max(rss[d]) / 1024:.1f}) |"
        )
        e = (step, "engine")
        if not wall[e]:
            continue
        rb, rd = [], []
        for run in runs:
            pe = per_run.get((step, "engine", run))
            pb, pd = per_run.get((step, "berth", run)), per_run.get((step, "docker", run))
            if pe and pb and pd:
                rb.append(statistics.median(pb) / statistics.median(pe))
                rd.append(statistics.median(pd) / statistics.median(pe))
        if rb:
            db = statistics.median(rd)
            floor.append(f"| {title} | {fmt_t(statistics.median(wall[e]))} "
                         f"| {statistics.median(rb):.2f}× | {db:.2f}× | {goal * db:.2f}× |")
    if len(floor) > 6:
        lines += floor
    lines.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
