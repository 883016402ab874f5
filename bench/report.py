#!/usr/bin/env python3
"""Turn bench/run.sh's samples into results.md (medians, ratios, targets,
machine and engine) and plot.gp (a gnuplot script writing results.png)."""
import argparse
import csv
import json
import os
import platform
import statistics
from collections import defaultdict

OPS = [("up", "up from scratch"), ("noop", "up, nothing changed"), ("ps", "ps"),
       ("plan", "plan"), ("change", "up after changing one part"), ("down", "down")]
TOOLS = [("berth", "berth"), ("compose", "docker-compose"), ("raw", "raw API")]


def read_samples(path):
    secs, rss, cpu, loads = defaultdict(list), defaultdict(list), defaultdict(list), []
    per_run = defaultdict(list)  # (n, tool, op, run) -> seconds
    with open(path) as f:
        for row in csv.DictReader(f):
            key = (int(row["n"]), row["tool"], row["op"])
            secs[key].append(float(row["seconds"]))
            per_run[key + (row["run"],)].append(float(row["seconds"]))
            rss[key].append(int(row["rss_kb"]))
            cpu[key].append(float(row["cpu_s"]))
            loads.append(float(row["load1"]))
    return secs, rss, cpu, loads, per_run


def med(values):
    return statistics.median(values) if values else None


def fmt_s(v):
    if v is None:
        return "n/a"
    return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s"


def fmt_ratio(a, b=1.0):
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def fmt_mb(kb):
    return "n/a" if kb is None else f"{kb / 1024:.1f}"


def machine():
    model, cores = "?", os.cpu_count()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    try:
        with open("/etc/debian_version") as f:
            debian = f.read().strip()
    except OSError:
        debian = "?"
    return model, cores, mem_kb, platform.release(), debian


def main():
    ap = argparse.ArgumentParser()
    for k in ("samples", "version", "info", "berth", "parallel", "runs", "sizes", "short_reps",
              "elapsed", "compose", "failures", "out"):
        ap.add_argument("--" + k, required=True)
    a = ap.parse_args()
    secs, rss, cpu, loads, per_run = read_samples(a.samples)

    def ratio(n, op, other):
        """berth / other: the median over runs of the two tools' ratio within
        one run (each tool's median there), so that load drifting from run
        to run cancels out."""
        rs = []
        for (nn, t, o, run), v in per_run.items():
            if (nn, t, o) == (n, "berth", op) and (n, other, op, run) in per_run:
                rs.append(med(v) / med(per_run[(n, other, op, run)]))
        return med(rs)
    with open(a.version) as f:
        ver = json.load(f)
    with open(a.info) as f:
        info = json.load(f)
    sizes = sorted({n for (n, t, o) in secs if t in dict(TOOLS)})
    m = {k: med(v) for k, v in secs.items()}
    r = {k: med(v) for k, v in rss.items()}
    u = {k: med(v) for k, v in cpu.items()}
    floor = m.get((0, "libcurl-exe", "start"))
    floor_rss = r.get((0, "libcurl-exe", "start"))
    floor_cpu = u.get((0, "libcurl-exe", "start"))

    out = []
    w = out.append
    w("# Benchmark results")
    w("")
    w(f"berth against docker-compose {a.compose} and a raw-API baseline "
      f"(`bench/rawapi.c`), N busybox containers: medians over the runs of each step "
      f"(runs for N = {', '.join(a.sizes.split())}: {', '.join(a.runs.split())}; "
      f"{a.short_reps} samples per run of the short steps: no-op up, ps, plan). "
      "Produced by `bench/run.sh`; every sample is in `samples.csv`.")
    w("")
    for n in sizes:
        w(f"## N = {n}")
        w("")
        w("Wall time (median):")
        w("")
        w("| step | berth | docker-compose | raw API | berth/raw | berth/compose |")
        w("|---|--:|--:|--:|--:|--:|")
        for op, label in OPS:
            b, c, rw = (m.get((n, t, op)) for t, _ in TOOLS)
            w(f"| {label} | {fmt_s(b)} | {fmt_s(c)} | {fmt_s(rw)} | {fmt_ratio(ratio(n, op, 'raw'))} "
              f"| {fmt_ratio(ratio(n, op, 'compose'))} |")
        w("")
        w("What each tool itself costs: CPU time (user + system) and peak RSS (medians):")
        w("")
        w("| step | CPU berth | compose | raw API | RSS MB berth | compose | raw API |")
        w("|---|--:|--:|--:|--:|--:|--:|")
        for op, label in OPS:
            ub, uc, ur = (u.get((n, t, op)) for t, _ in TOOLS)
            rb, rc, rr = (r.get((n, t, op)) for t, _ in TOOLS)
            w(f"| {label} | {fmt_s(ub)} | {fmt_s(uc)} | {fmt_s(ur)} | {fmt_mb(rb)} "
              f"| {fmt_mb(rc)} | {fmt_mb(rr)} |")
        peaks = [max((v for (nn, t, o), v in r.items() if nn == n and t == tool), default=None)
                 for tool, _ in TOOLS]
        w(f"| **peak RSS (MB)** | | | | **{fmt_mb(peaks[0])}** | **{fmt_mb(peaks[1])}** "
          f"| **{fmt_mb(peaks[2])}** |")
        w("")

    big = max(sizes) if sizes else 0
    w("## Targets")
    w("")
    w("| target | measured | met |")
    w("|---|---|:-:|")

    def row(name, value, ok):
        w(f"| {name} | {value} | {'yes' if ok else '**no**'} |")

    for n in sizes:
        q = ratio(n, "up", "raw")
        if q is not None:
            row(f"up from scratch within 1.05× of raw (N={n})", fmt_ratio(q), q <= 1.05)
    for op in ("noop", "ps", "plan"):
        v = m.get((big, "berth", op))
        if v is not None:
            raw = m.get((big, "raw", op))
            row(f"{dict(OPS)[op]} under 50 ms", f"{fmt_s(v)}, CPU {fmt_s(u.get((big, 'berth', op)))} "
                f"(raw API: {fmt_s(raw)}, CPU {fmt_s(u.get((big, 'raw', op)))})", v < 0.05)
    pb = max((v for (nn, t, o), v in r.items() if nn == big and t == "berth"), default=None)
    if pb is not None:
        row("peak RSS under 20 MB", f"{fmt_mb(pb)} MB", pb < 20 * 1024)
    for n in sizes:
        b, rw, q = m.get((n, "berth", "down")), m.get((n, "raw", "down")), ratio(n, "down", "raw")
        if q is not None:
            row(f"down no slower than raw (N={n})", f"{fmt_s(b)} vs {fmt_s(rw)} "
                f"({fmt_ratio(q)})", q <= 1.05)
    w("")
    w("Ratios are the median over runs of berth's time over the other tool's in the same "
      "run. (\"No slower\" allows 5%.)")
    w("")
    libs = m.get((0, "libs-exe", "start"))
    listed = m.get((big, "engine", "list"))
    if libs is not None and listed is not None:
        w(f"What bounds the short steps at N={big}: a program that only loads the libraries "
          f"berth links (libcurl, jansson, libarchive) takes **{fmt_s(libs)}** (CPU "
          f"{fmt_s(u.get((0, 'libs-exe', 'start')))}), and the engine alone takes "
          f"**{fmt_s(listed)}** to answer the list of the project's containers that every "
          f"short step starts with (timed by curl, no process start): "
          f"**{fmt_s(libs + listed)}** before any tool reads the answer.")
        w("")
    if floor is not None:
        bv = m.get((0, "berth-version", "start"))
        w(f"The floor under every short step: a program that does nothing but load "
          f"Debian's libcurl (which berth and the raw baseline both link) takes "
          f"**{fmt_s(floor)}** (CPU {fmt_s(floor_cpu)}) and {fmt_mb(floor_rss)} MB here, "
          "before any request"
          + (f"; `berth version` (no request) takes **{fmt_s(bv)}** (CPU "
             f"{fmt_s(u.get((0, 'berth-version', 'start')))})." if bv else "."))
        w("")

    with open(a.failures) as f:
        failures = [line.strip() for line in f if line.strip()]
    if failures:
        w("Steps that failed (not in the figures; the rest of that tool's run was skipped):")
        w("")
        for line in failures:
            w(f"- {line}")
        w("")

    model, cores, mem_kb, kernel, debian = machine()
    w("## Machine and engine")
    w("")
    w(f"- CPU: {cores} × {model}; RAM: {mem_kb / 1024 / 1024:.1f} GiB; kernel {kernel}; "
      f"Debian {debian}")
    w(f"- engine: Docker {ver.get('Version')} (API {ver.get('ApiVersion')}), "
      f"storage driver {info.get('Driver')}, cgroup {info.get('CgroupDriver')} "
      f"v{info.get('CgroupVersion')}, containerd {info.get('ContainerdCommit', {}).get('ID', '?')[:12]}, "
      f"runc {info.get('RuncCommit', {}).get('ID', '?')}; a private engine "
      "(`berth engine start`: no iptables, no default bridge)")
    w(f"- tools: {a.berth} (`--parallel {a.parallel}`, meson debugoptimized), "
      f"docker-compose {a.compose} (`COMPOSE_PARALLEL_LIMIT` N+{a.parallel} for up, "
      f"{a.parallel} for down: see bench/README.md), raw API baseline with {a.parallel} threads")
    if loads:
        w(f"- load average (1 min) during the run: min {min(loads):.2f}, median "
          f"{statistics.median(loads):.2f}, max {max(loads):.2f} (the engine's own work: "
          "containerd, shims and runc count; anything else running on the machine too)")
    w(f"- the whole run took {int(a.elapsed) // 60} min {int(a.elapsed) % 60} s")
    w("")
    w("![berth, docker-compose and the raw API](results.png)")
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write("\n".join(out) + "\n")

    # gnuplot: one panel per step, seconds against N, log-log; a last panel
    # for the peak RSS.
    gp = [f'set terminal pngcairo size 1600,800 font "sans,10"',
          f'set output "{os.path.join(a.out, "results.png")}"',
          'set multiplot layout 2,4 title "berth vs docker-compose vs raw API '
          f'(medians)"',
          "set logscale xy", "set grid", "set key top left Left reverse samplen 2",
          f"set xrange [{min(sizes) / 1.6 if sizes else 1}:{max(sizes) * 1.6 if sizes else 10}]",
          f"set xtics ({', '.join(str(n) for n in sizes)})", 'set xlabel "containers"']
    styles = {"berth": "lw 2 pt 7 lc rgb '#1b7837'", "compose": "lw 2 pt 5 lc rgb '#b2182b'",
              "raw": "lw 2 pt 9 lc rgb '#2166ac' dt 2"}
    for op, label in OPS:
        gp.append(f'set title "{label}"')
        gp.append('set ylabel "seconds"')
        plots = []
        for tool, tlabel in TOOLS:
            pts = [(n, m[(n, tool, op)]) for n in sizes if m.get((n, tool, op))]
            if not pts:
                continue
            name = f"$d_{op}_{tool}"
            gp.append(f"{name} << EOD")
            gp.extend(f"{n} {v}" for n, v in pts)
            gp.append("EOD")
            plots.append(f"{name} using 1:2 with linespoints {styles[tool]} title '{tlabel}'")
        gp.append("plot " + ", ".join(plots))
    gp.append('set title "peak RSS"')
    gp.append('set ylabel "MB"')
    gp.append("unset logscale y")
    plots = []
    for tool, tlabel in TOOLS:
        pts = []
        for n in sizes:
            vals = [v for (nn, t, o), v in r.items() if nn == n and t == tool]
            if vals:
                pts.append((n, max(vals) / 1024))
        if pts:
            name = f"$rss_{tool}"
            gp.append(f"{name} << EOD")
            gp.extend(f"{n} {v:.2f}" for n, v in pts)
            gp.append("EOD")
            plots.append(f"{name} using 1:2 with linespoints {styles[tool]} title '{tlabel}'")
    gp.append("set yrange [0:*]")
    gp.append("plot " + ", ".join(plots))
    # berth / raw API for each step: 1 is the engine's own limit.
    gp.append('set title "berth / raw API"')
    gp.append('set ylabel "ratio"')
    gp.append("set yrange [0:*]")
    gp.append("set key top right Right noreverse")
    plots = []
    colors = ["#1b7837", "#762a83", "#e08214", "#2166ac", "#b2182b", "#4d4d4d"]
    for k, (op, label) in enumerate(OPS):
        pts = [(n, ratio(n, op, "raw")) for n in sizes if ratio(n, op, "raw") is not None]
        if not pts:
            continue
        name = f"$ratio_{op}"
        gp.append(f"{name} << EOD")
        gp.extend(f"{n} {v:.3f}" for n, v in pts)
        gp.append("EOD")
        plots.append(f"{name} using 1:2 with linespoints lw 2 lc rgb '{colors[k]}' title '{label}'")
    gp.append("plot " + ", ".join(plots) + ", 1 with lines lc rgb 'black' dt 3 notitle")
    gp.append("unset multiplot")
    with open(os.path.join(a.out, "plot.gp"), "w") as f:
        f.write("\n".join(gp) + "\n")


if __name__ == "__main__":
    main()
