#!/usr/bin/env bash
# Builds the benchmarks and runs them the way BENCHMARKS.md was measured (about 30 minutes on
# 2 cores): lbkit, its floors and the peers at 1 and 2 threads with the GC profiler; then the
# health/topology, table-build and HTTP-client-overhead benchmarks; then the picking thread's own
# allocation per op (AllocationCheck). Results: jmh/target/*.{txt,json}.
# `python3 jmh/report.py jmh/target/results-t1.json jmh/target/results-t2.json` prints the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl jmh -am package -DskipTests
jar=jmh/target/benchmarks.jar
out=jmh/target
opts=(-f 1 -wi 3 -w 1s -i 5 -r 500ms -prof gc)
peers='FloorBenchmark|GrpcPickBenchmark|ArmeriaPickBenchmark|DubboPickBenchmark'
java -jar "$jar" "LbkitPickBenchmark|LbkitPickerBenchmark|$peers" "${opts[@]}" -t 1 \
    -rf json -rff $out/results-t1.json | tee $out/results-t1.txt
# The picker-alone benchmark is single-threaded only: at 2 threads, read LbkitPickBenchmark.
java -jar "$jar" "LbkitPickBenchmark|$peers" "${opts[@]}" -t 2 \
    -rf json -rff $out/results-t2.json | tee $out/results-t2.txt
java -jar "$jar" LbkitHealthBenchmark "${opts[@]}" -t 1 -rf json -rff $out/health.json \
    | tee $out/health.txt
java -jar "$jar" HashBuildBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s -rf json -rff $out/build.json \
    | tee $out/build.txt
java -jar "$jar" HttpClientOverheadBenchmark -f 1 -wi 2 -w 3s -i 5 -r 3s -t 4 \
    -rf json -rff $out/http.json | tee $out/http.txt
java -cp "$jar" io.lbkit.jmh.AllocationCheck
