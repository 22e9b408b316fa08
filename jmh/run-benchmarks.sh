#!/usr/bin/env bash
# Builds the benchmarks and runs all of them - lbkit, its floors and the peers - at 1 and at 2
# threads with the GC profiler, the way BENCHMARKS.md was measured (about 25 minutes on 2 cores).
# Results: jmh/target/results-t1.{txt,json}, jmh/target/results-t2.{txt,json}; then the
# picking thread's own allocation per op (AllocationCheck).
# Extra arguments go to JMH, e.g. a benchmark regex: jmh/run-benchmarks.sh LbkitPickBenchmark
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl jmh -am package -DskipTests
jar=jmh/target/benchmarks.jar
opts=(-f 1 -wi 3 -w 1s -i 5 -r 500ms -prof gc)
java -jar "$jar" "${opts[@]}" -t 1 -rf json -rff jmh/target/results-t1.json "$@" \
    | tee jmh/target/results-t1.txt
# The picker-alone benchmark is single-threaded only: at 2 threads, read LbkitPickBenchmark.
java -jar "$jar" "${opts[@]}" -t 2 -e LbkitPickerBenchmark -rf json \
    -rff jmh/target/results-t2.json "$@" | tee jmh/target/results-t2.txt
java -cp "$jar" io.lbkit.jmh.AllocationCheck
