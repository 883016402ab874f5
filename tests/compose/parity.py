#!/usr/bin/env python3
"""Does berth read a Compose project as Compose does?

    parity.py [--berth PATH] [-f FILE]... [--profile NAME]... DIR

Runs Debian's docker-compose 1.29 (`docker-compose config`, which normalises
a project without an engine) and `berth config --format json` on the same
project, and compares, service by service: the services, their images,
build contexts (and dockerfile, args, target), commands, entrypoints,
environment, ports, volumes (secrets included: Compose mounts them at
/run/secrets), networks, dependencies and replicas. Prints what differs and
exits 1; exits 0 when they agree.

What berth does differently on purpose is normalised away here, and only
that (docs/compose.md): a port without a host address is published on
berth's `publish` address (127.0.0.1) where Compose would take 0.0.0.0;
names of berth parts use '_' for '-' and '.'.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

import yaml


def part_name(name):
    return name.lower().replace("-", "_").replace(".", "_")


def run(cmd, cwd, env):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        sys.exit("%s failed (%d):\n%s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p.stdout


def unescape(s):
    # docker-compose config writes a literal '$' as '$$'
    return s.replace("$$", "$") if isinstance(s, str) else s


def argv(v):
    if v is None:
        return None
    if isinstance(v, str):
        return shlex.split(unescape(v))
    return [unescape(str(x)) for x in v]


def port_tuples(spec):
    """'[ip:][host:]container[/proto]' (host and container may be ranges) as
    (ip or None, host port or None, container port, proto) tuples."""
    spec = str(spec)
    proto = "tcp"
    if "/" in spec:
        spec, proto = spec.rsplit("/", 1)
    ip = None
    if spec.startswith("["):
        ip, spec = spec[1:].split("]:", 1)
    parts = spec.split(":")
    if len(parts) == 3:
        ip, host, cont = parts
    elif len(parts) == 2:
        host, cont = parts
    else:
        host, cont = None, parts[0]
    def rng(s):
        if s is None or s == "":
            return None
        a, _, b = s.partition("-")
        return list(range(int(a), int(b or a) + 1))
    cs, hs = rng(cont), rng(host)
    out = []
    for i, c in enumerate(cs):
        h = None if hs is None else (hs[0] if len(hs) == 1 else hs[i])
        out.append((ip or None, h, c, proto))
    return out


def compose_ports(items):
    out = []
    for p in items or []:
        if isinstance(p, dict):
            pub = p.get("published")
            spec = "%s%s:%s/%s" % (p["host_ip"] + ":" if p.get("host_ip") else "",
                                   pub if pub is not None else "", p["target"],
                                   p.get("protocol", "tcp"))
            if pub is None and not p.get("host_ip"):
                spec = "%s/%s" % (p["target"], p.get("protocol", "tcp"))
            out += port_tuples(spec)
        else:
            out += port_tuples(p)
    return sorted(out, key=repr)


def compose_volumes(svc, top_secrets, top_configs, project_dir):
    out = []
    for v in svc.get("volumes") or []:
        if isinstance(v, dict):
            src, tgt, ro = v.get("source"), v["target"], bool(v.get("read_only"))
            if v.get("type") == "bind" and src and not src.startswith("/"):
                src = os.path.normpath(os.path.join(project_dir, src))
        else:
            bits = v.split(":")
            if len(bits) == 1:
                src, tgt, ro = None, bits[0], False
            else:
                src, tgt = bits[0], bits[1]
                ro = len(bits) > 2 and "ro" in bits[2].split(",")
        if src and not src.startswith("/"):
            src = "volume:" + part_name(src)
        out.append((src, tgt, ro))
    for what, top, base in (("secrets", top_secrets, "/run/secrets"), ("configs", top_configs, "")):
        for s in svc.get(what) or []:
            src = s if isinstance(s, str) else s["source"]
            tgt = None if isinstance(s, str) else s.get("target")
            tgt = tgt if tgt and tgt.startswith("/") else "%s/%s" % (base, tgt or src)
            out.append((top[src]["file"], tgt, True))
    return sorted(out, key=repr)


def berth_volumes(items, volume_parts):
    out = []
    for v in items or []:
        bits = v.split(":")
        if len(bits) == 1:
            out.append((None, bits[0], False))
            continue
        src, tgt = bits[0], bits[1]
        ro = len(bits) > 2 and bits[2] == "ro"
        if not src.startswith("/"):
            src = "volume:" + volume_parts.get(src, src)
        out.append((src, tgt, ro))
    return sorted(out, key=repr)


def compose_model(doc, project_dir, profiles):
    services = {}
    secrets, configs = doc.get("secrets") or {}, doc.get("configs") or {}
    for name, s in (doc.get("services") or {}).items():
        # docker-compose 1.29's config lists every service; its up leaves
        # out those of profiles not enabled, as berth does.
        if s.get("profiles") and not set(s["profiles"]) & set(profiles):
            continue
        b = s.get("build")
        m = {
            "image": None if b else s.get("image"),
            "build": None if not b else {
                "context": b.get("context"),
                "dockerfile": b.get("dockerfile", "Dockerfile"),
                "args": sorted("%s=%s" % (k, unescape(v)) for k, v in (b.get("args") or {}).items()
                               if v is not None),
                "target": b.get("target"),
                "image": s.get("image"),
            },
            "command": argv(s.get("command")),
            "entrypoint": argv(s.get("entrypoint")),
            "environment": sorted("%s=%s" % (k, unescape(str(v)))
                                  for k, v in (s.get("environment") or {}).items() if v is not None),
            "ports": compose_ports(s.get("ports")),
            "volumes": compose_volumes(s, secrets, configs, project_dir),
            "networks": sorted(part_name(n) for n in (s.get("networks") or {}) if n != "default"),
            "depends_on": sorted(part_name(n) for n in (s.get("depends_on") or {})),
            "replicas": int((s.get("deploy") or {}).get("replicas", s.get("scale", 1))),
        }
        services[part_name(name)] = m
    return services


def berth_environment(st):
    """env-files first, env over them: what the container gets (Compose's
    config folds env_file into environment)."""
    env = {}
    for path in st.get("env-files") or []:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, _, v = line.partition("=")
                    env[k] = v
    for item in st.get("env") or []:
        k, _, v = item.partition("=")
        env[k] = v
    return sorted("%s=%s" % kv for kv in env.items())


def berth_model(conf):
    parts = {p["name"]: p for p in conf["parts"]}
    volume_parts = {}
    for p in conf["parts"]:
        if p["kind"] == "volume":
            volume_parts[p["name"]] = p["name"]
    services = {}
    for p in conf["parts"]:
        if p["kind"] != "container":
            continue
        st = p["settings"]
        bp = parts.get(st.get("build")) if st.get("build") else None
        bst = bp["settings"] if bp else {}
        m = {
            "image": None if bp else st.get("image"),
            "build": None if not bp else {
                "context": bst.get("source"),
                "dockerfile": bst.get("dockerfile", "Dockerfile"),
                "args": sorted(bst.get("build-args") or []),
                "target": bst.get("target"),
                # berth names a built image <project>/<part> unless told
                "image": None if bst.get("image") == "%s/%s" % (conf["name"], bp["name"])
                else bst.get("image"),
            },
            "command": st.get("command"),
            "entrypoint": st.get("entrypoint"),
            "environment": berth_environment(st),
            "ports": sorted((t for s in st.get("ports") or [] for t in port_tuples(s)), key=repr),
            "volumes": berth_volumes(st.get("volumes"), volume_parts),
            "networks": sorted(st.get("networks") or []),
            "depends_on": sorted(d for d in st.get("depends") or []),
            "replicas": len(p["instances"]),
        }
        services[p["name"]] = m
    return services


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--berth", default=os.environ.get("BERTH", "berth"))
    ap.add_argument("-f", dest="files", action="append", default=[])
    ap.add_argument("--profile", dest="profiles", action="append", default=[])
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for both")
    ap.add_argument("dir")
    a = ap.parse_args()
    d = os.path.realpath(a.dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    for e in a.env:
        k, _, v = e.partition("=")
        env[k] = v
    dc = ["docker-compose", "--project-directory", d]
    bc = [a.berth, "-C", d]
    for f in a.files:
        dc += ["-f", os.path.join(d, f)]
        bc += ["-f", f]
    for p in a.profiles:
        dc += ["--profile", p]
        bc += ["--profile", p]
    want = compose_model(yaml.safe_load(run(dc + ["config"], d, env)), d, a.profiles)
    got = berth_model(json.loads(run(bc + ["config", "--format", "json"], d, env)))
    bad = []
    for name in sorted(set(want) | set(got)):
        if name not in got:
            bad.append("service %s: Compose has it, berth has not" % name)
            continue
        if name not in want:
            bad.append("service %s: berth has it, Compose has not" % name)
            continue
        for k in want[name]:
            if want[name][k] != got[name][k]:
                bad.append("service %s: %s: compose %r, berth %r" % (name, k, want[name][k],
                                                                     got[name][k]))
    # berth import round-trips: the berth.ini it writes is the same project.
    ini = os.path.join(d, ".parity-import.ini")
    try:
        run(bc + ["import", "--force", "-o", ini], d, env)
        strip = lambda c: {**{k: v for k, v in c.items() if k != "file"},
                           "parts": [{k: v for k, v in p.items() if k not in ("file", "line")}
                                     for p in c["parts"]]}
        from_compose = strip(json.loads(run(bc + ["config", "--format", "json"], d, env)))
        from_ini = strip(json.loads(run([a.berth, "-C", d, "-f", ini, "config", "--format", "json"],
                                        d, env)))
        if from_compose != from_ini:
            bad.append("berth import: the berth.ini it wrote is another project")
    finally:
        if os.path.exists(ini):
            os.unlink(ini)
    if bad:
        print("%s: berth and docker-compose disagree:\n  %s" % (a.dir, "\n  ".join(bad)))
        return 1
    print("%s: berth agrees with docker-compose on %d service(s); import round-trips" %
          (a.dir, len(want)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
