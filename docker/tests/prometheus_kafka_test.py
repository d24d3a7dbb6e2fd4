#!/usr/bin/env python3
"""Every dashboard query and alert expression returns data against a real sidecar pair.

Two real Kafka regions (scripts/kafka-local; reused when already up, e.g. by ctest's kafka
fixture), a duplex sidecar each way with last-writer-wins (so the conflict metrics exist), an
application writing in east and a consumer group reading there (so checkpoints exist), and a
real Prometheus on loopback scraping both sidecars every second with docker/prometheus/alerts.yaml
loaded. Then each query goes through Prometheus' HTTP API and must return a non-empty vector.

Grafana's variables are replaced as Grafana would with every value selected: $flow by .+,
$__rate_interval by 15s. An alert expression is a condition that filters series out until it
holds, so every comparison is given the `bool` modifier (`x > 60` becomes `x > bool 60`): it
then returns 0 or 1 for every series it compares, and the test sees that the expression's
metrics, labels and joins match what the sidecar exports. Usage: prometheus_kafka_test.py DUPLEX
Run it under `flock -o /tmp/duplex-kafka.lock` where other users share the local brokers.
"""
import json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KAFKA_LOCAL = os.path.join(ROOT, "scripts", "kafka-local")
DEADLINE_S = 120  # for all queries to return data


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_bool(expr):
    """Adds `bool` to every comparison outside label matchers ({...}) and strings."""
    out, depth, i = [], 0, 0
    while i < len(expr):
        c = expr[i]
        if c == '"':
            j = expr.index('"', i + 1)
            out.append(expr[i:j + 1]); i = j + 1; continue
        depth += c == "{"
        depth -= c == "}"
        m = re.match(r"(==|!=|>=|<=|>|<)(?!\s*bool)", expr[i:]) if depth == 0 else None
        if m:
            out.append(m.group(1) + " bool"); i += len(m.group(1)); continue
        out.append(c); i += 1
    return "".join(out)


def queries():
    """(name, PromQL) for every dashboard target, the flow variable, and every alert."""
    dash = json.load(open(os.path.join(ROOT, "docker/grafana/duplex.json")))
    out = []
    for p in dash["panels"]:
        for t in p["targets"]:
            expr = t["expr"].replace("$flow", ".+").replace("$__rate_interval", "15s")
            out.append((f'panel "{p["title"]}" {t["refId"]}', expr))
    for v in dash["templating"]["list"]:
        m = re.fullmatch(r"label_values\((\w+), (\w+)\)", v["query"]["query"])
        out.append((f"variable ${v['name']}", f"count by ({m.group(2)}) ({m.group(1)})"))
    rules = yaml.safe_load(open(os.path.join(ROOT, "docker/prometheus/alerts.yaml")))
    for g in rules["groups"]:
        for r in g["rules"]:
            out.append((f"alert {r['alert']}", with_bool(r["expr"])))
    return out


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def main():
    duplex = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="duplex-prom-")
    procs, we_started_kafka = [], False

    def start(name, args, **kw):
        log = open(os.path.join(work, name + ".log"), "w")
        procs.append((name, subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **kw)))
        return procs[-1][1]

    try:
        status = subprocess.run([KAFKA_LOCAL, "status"], capture_output=True, text=True).stdout
        if status.count(" up ") < 2:
            subprocess.run([KAFKA_LOCAL, "up"], check=True, stdout=subprocess.DEVNULL, timeout=300)
            we_started_kafka = True
        env = dict(re.findall(r"export (\w+)=(\S+)", subprocess.run(
            [KAFKA_LOCAL, "env"], capture_output=True, text=True, check=True).stdout))
        boot = {"east": env["DUPLEX_EAST_BOOTSTRAP"], "west": env["DUPLEX_WEST_BOOTSTRAP"]}
        topic, group = f"prom-orders-{os.getpid()}", f"prom-app-{os.getpid()}"
        for b in boot.values():
            subprocess.run([KAFKA_LOCAL, "create-topic", b, topic, "2", "cleanup.policy=compact"],
                           check=True, timeout=120)

        metrics_ports = {}
        for home, source in (("east", "west"), ("west", "east")):
            metrics_ports[home] = free_port()
            config = {
                "region": home,
                "clusters": {r: {"bootstrap.servers": b} for r, b in boot.items()},
                "flows": [{"source": source, "topics": {"include": [topic], "refresh": "2s"},
                           "groups": {"include": [group]}}],
                "checkpoint": {"interval": "1s"},
                "conflict": {"policy": "last-writer-wins", "region_rank": ["east", "west"],
                             "index": {"dir": os.path.join(work, home + "-index")}},
                "metrics": {"listen": f"127.0.0.1:{metrics_ports[home]}"},
            }
            path = os.path.join(work, home + ".yaml")
            yaml.safe_dump(config, open(path, "w"))
            start("duplex-" + home, [duplex, "run", "--config", path])

        # The application: keyed records in both regions, a group reading in east.
        writer = ("i=0; while [ $i -lt 600 ]; do for n in 1 2 3 4 5; do "
                  "echo \"customer-$((i % 20)):$REGION-$i\"; i=$((i + 1)); done; sleep 0.2; done"
                  " | kcat -q -P -b $BOOT -t $TOPIC -K:")
        for region, b in boot.items():
            start("writer-" + region, ["bash", "-c", writer],
                  env={**os.environ, "REGION": region, "BOOT": b, "TOPIC": topic})
        start("reader-east", ["kcat", "-q", "-b", boot["east"], "-G", group, topic,
                              "-X", "auto.commit.interval.ms=500", "-X", "auto.offset.reset=earliest"])

        prom_port = free_port()
        prom_config = os.path.join(work, "prometheus.yml")
        yaml.safe_dump({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [os.path.join(ROOT, "docker/prometheus/alerts.yaml")],
            "scrape_configs": [{"job_name": "duplex", "static_configs": [
                {"targets": [f"127.0.0.1:{p}" for p in metrics_ports.values()]}]}],
        }, open(prom_config, "w"))
        start("prometheus", ["prometheus", f"--config.file={prom_config}",
                             f"--storage.tsdb.path={os.path.join(work, 'tsdb')}",
                             f"--web.listen-address=127.0.0.1:{prom_port}"])
        api = f"http://127.0.0.1:{prom_port}/api/v1"

        pending = queries()
        results = {}
        deadline = time.monotonic() + DEADLINE_S
        while pending and time.monotonic() < deadline:
            time.sleep(2)
            for name, p in procs:
                if name.startswith(("duplex", "prometheus")) and p.poll() is not None:
                    raise SystemExit(f"{name} exited with {p.returncode}: see {work}/{name}.log")
            still = []
            for name, expr in pending:
                try:
                    r = get(f"{api}/query?" + urllib.parse.urlencode({"query": expr}))
                except OSError:
                    still.append((name, expr)); continue
                if r["status"] != "success":
                    raise SystemExit(f"{name}: {expr}: {r}")
                if r["data"]["result"]:
                    results[name] = (expr, r["data"]["result"])
                else:
                    still.append((name, expr))
            pending = still

        rules = get(f"{api}/rules")["data"]["groups"]
        loaded = [(r["name"], r["health"]) for g in rules for r in g["rules"]]
        for name, (expr, series) in results.items():
            print(f"ok   {name}: {expr}")
            for s in series:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(s["metric"].items()))
                print(f"       {{{labels}}} {s['value'][1]}")
        for name, expr in pending:
            print(f"FAIL {name}: no data after {DEADLINE_S} s: {expr}")
        print(f"rules loaded by Prometheus: {loaded}")
        bad_rules = [r for r in loaded if r[1] != "ok"]
        ok = not pending and not bad_rules and len(loaded) == sum(n.startswith("alert ") for n, _ in queries())
        print(f"{len(results)} passed, {len(pending) + len(bad_rules)} failed")
        return 0 if ok else 1
    finally:
        for name, p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for name, p in reversed(procs):
            try:
                p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                p.kill(); p.wait()
        if we_started_kafka:
            subprocess.run([KAFKA_LOCAL, "down"], stdout=subprocess.DEVNULL, timeout=120)
        if os.environ.get("KEEP_WORK"):
            print(f"logs in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
