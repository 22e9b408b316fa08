#!/usr/bin/env python3
"""Turns JMH JSON results (jmh/run-benchmarks.sh) into the Markdown tables of BENCHMARKS.md.

Usage: python3 jmh/report.py jmh/target/results-t1.json jmh/target/results-t2.json
Either argument may list several files separated by commas; a later file's results replace an
earlier one's for the same benchmark and parameters (a partial re-run).
"""
import json
import sys

SIZES = ["3", "100", "10000"]
STRATEGIES = ["roundRobin", "weightedRoundRobin", "random", "weightedRandom", "leastRequest",
              "peakEwma", "ringHash", "maglev", "boundedLoad", "rendezvous"]
# The floor each strategy is held against: (for pick + report, for the picker alone).
FLOORS = {
    "roundRobin": ("roundRobin", "roundRobin"),
    "weightedRoundRobin": ("roundRobin", "roundRobin"),
    "random": ("twoRandomChoices", "twoRandomChoices"),
    "weightedRandom": ("twoRandomChoices", "twoRandomChoices"),
    "leastRequest": ("twoRandomChoicesCounted", "twoRandomChoices"),
    "peakEwma": ("twoRandomChoicesCounted", "twoRandomChoices"),
}
PEERS = [
    ("grpc-java", "GrpcPickBenchmark", "policy",
     ["round_robin", "weighted_round_robin", "least_request_experimental",
      "ring_hash_experimental", "outlier_detection_round_robin",
      "outlier_detection_least_request"]),
    ("Armeria", "ArmeriaPickBenchmark", "balancer",
     ["roundRobin", "weightedRoundRobin", "weightedRandom", "sticky"]),
    ("Dubbo", "DubboPickBenchmark", "balancer",
     ["roundRobin", "random", "leastActive", "consistentHash"]),
]
# lbkit strategy -> comparable peer balancers (peer, benchmark, param value).
PAIRS = [
    # lbkit's rows run with its default outlier detection on: the outlier_detection_* peers
    # count outcomes too (round_robin and least_request_experimental alone count none).
    ("roundRobin", [("grpc-java", "GrpcPickBenchmark", "round_robin"),
                    ("grpc-java", "GrpcPickBenchmark", "outlier_detection_round_robin"),
                    ("Armeria", "ArmeriaPickBenchmark", "roundRobin")]),
    ("weightedRoundRobin", [("grpc-java", "GrpcPickBenchmark", "weighted_round_robin"),
                            ("Armeria", "ArmeriaPickBenchmark", "weightedRoundRobin"),
                            ("Dubbo", "DubboPickBenchmark", "roundRobin")]),
    ("weightedRandom", [("Armeria", "ArmeriaPickBenchmark", "weightedRandom"),
                        ("Dubbo", "DubboPickBenchmark", "random")]),
    ("leastRequest", [("grpc-java", "GrpcPickBenchmark", "least_request_experimental"),
                      ("grpc-java", "GrpcPickBenchmark", "outlier_detection_least_request"),
                      ("Dubbo", "DubboPickBenchmark", "leastActive")]),
] + [(h, [("grpc-java", "GrpcPickBenchmark", "ring_hash_experimental"),
           ("Armeria", "ArmeriaPickBenchmark", "sticky"),
           ("Dubbo", "DubboPickBenchmark", "consistentHash")])
       for h in ["ringHash", "maglev", "rendezvous", "boundedLoad"]]


def load(paths):
    out = {}
    for path in paths.split(","):
        out.update(load_one(path))
    return out


def load_one(path):
    out = {}
    for r in json.load(open(path)):
        cls, method = r["benchmark"].rsplit(".", 2)[-2:]
        params = r.get("params", {})
        key = (cls, method, params.get("strategy") or params.get("policy")
               or params.get("balancer"), params.get("endpoints"))
        gc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
        raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
        # (best iteration, JMH mean, B/op): on a shared machine noise only adds time, so the
        # best iteration is the estimate the tables quote; the mean is shown beside it.
        out[key] = (min(raw), r["primaryMetric"]["score"], gc)
    return out


def num(s):
    return f"{s:,.0f}" if s >= 100 else f"{s:.1f}"


def ns(v):
    """Best iteration, then the JMH mean in parentheses."""
    if v is None:
        return "–"
    return f"{num(v[0])} ({num(v[1])})"


def bop(v):
    if v is None or v[2] is None:
        return "–"
    b = v[2]
    return "0" if b < 0.05 else (f"{b:.1f}" if b < 100 else f"{b:,.0f}")


def ratio(a, b):
    if a is None or b is None or b[0] == 0:
        return "–"
    return f"{a[0] / b[0]:.2f}x"


def lbkit_table(res, threads, picker):
    print(f"\n### lbkit, {threads} thread{'s' if threads > 1 else ''}\n")
    head = "| strategy | endpoints | pick+report ns/op | B/op | floor ns/op | ratio to floor |"
    sep = "|---|---:|---:|---:|---:|---:|"
    if picker:
        head += " picker alone ns/op | picker ratio to floor |"
        sep += "---:|---:|"
    print(head)
    print(sep)
    for s in STRATEGIES:
        for n in SIZES:
            v = res.get(("LbkitPickBenchmark", "pickAndReport", s, n))
            if v is None:
                continue
            floor_name, picker_floor_name = FLOORS.get(s, (None, None))
            f = res.get(("FloorBenchmark", floor_name, None, n))
            floor = f"{ns(f)} ({floor_name})" if floor_name else "– (no floor)"
            row = f"| {s} | {n} | {ns(v)} | {bop(v)} | {floor} | {ratio(v, f)} |"
            if picker:
                p = res.get(("LbkitPickerBenchmark", "pick", s, n))
                pf = res.get(("FloorBenchmark", picker_floor_name, None, n))
                pfl = f" ({picker_floor_name})" if picker_floor_name else ""
                row += f" {ns(p)} | {ratio(p, pf)}{pfl} |"
            print(row)


def floor_table(res1, res2):
    print("\n### Floors\n")
    print("| floor | endpoints | 1 thread ns/op | 2 threads ns/op | B/op |")
    print("|---|---:|---:|---:|---:|")
    for f in ["roundRobin", "twoRandomChoices", "twoRandomChoicesCounted",
              "twoRandomChoicesAdders", "clockRead"]:
        for n in SIZES:
            a = res1.get(("FloorBenchmark", f, None, n))
            b = res2.get(("FloorBenchmark", f, None, n)) if res2 else None
            print(f"| {f} | {n} | {ns(a)} | {ns(b)} | {bop(a)} |")


def peer_table(res1, res2):
    print("\n### Peers\n")
    print("| peer | balancer | endpoints | 1 thread ns/op | B/op | 2 threads ns/op | B/op |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for peer, cls, _, names in PEERS:
        for name in names:
            for n in SIZES:
                a = res1.get((cls, "pick", name, n))
                b = res2.get((cls, "pick", name, n)) if res2 else None
                print(f"| {peer} | {name} | {n} | {ns(a)} | {bop(a)} | {ns(b)} | {bop(b)} |")


def pair_table(res, threads):
    print(f"\n### lbkit against peers, {threads} thread{'s' if threads > 1 else ''}"
          " (peer ns/op ÷ lbkit ns/op: above 1 means lbkit is faster)\n")
    print("| lbkit strategy | peer balancer | endpoints | lbkit ns/op | peer ns/op | lbkit speed-up |")
    print("|---|---|---:|---:|---:|---:|")
    for s, peers in PAIRS:
        for peer, cls, name in peers:
            for n in SIZES:
                mine = res.get(("LbkitPickBenchmark", "pickAndReport", s, n))
                theirs = res.get((cls, "pick", name, n))
                if theirs is None or mine is None:
                    continue
                print(f"| {s} | {peer} {name} | {n} | {ns(mine)} | {ns(theirs)} |"
                      f" {ratio(theirs, mine)} |")


def scaling_table(res1, res2):
    print("\n### lbkit scaling (pick+report)\n")
    print("| strategy | endpoints | 1 thread ns/op | 2 threads ns/op | 2 threads ÷ 1 thread |"
          " ÷ same strategy at 3 endpoints (1 thread) |")
    print("|---|---:|---:|---:|---:|---:|")
    for s in STRATEGIES:
        base = res1.get(("LbkitPickBenchmark", "pickAndReport", s, "3"))
        for n in SIZES:
            a = res1.get(("LbkitPickBenchmark", "pickAndReport", s, n))
            if a is None:
                continue
            b = res2.get(("LbkitPickBenchmark", "pickAndReport", s, n)) if res2 else None
            print(f"| {s} | {n} | {ns(a)} | {ns(b)} | {ratio(b, a)} | {ratio(a, base)} |")


def main():
    res1 = load(sys.argv[1])
    res2 = load(sys.argv[2]) if len(sys.argv) > 2 else {}
    lbkit_table(res1, 1, True)
    if res2:
        lbkit_table(res2, 2, False)
    scaling_table(res1, res2)
    floor_table(res1, res2)
    pair_table(res1, 1)
    if res2:
        pair_table(res2, 2)
    peer_table(res1, res2)


if __name__ == "__main__":
    main()
