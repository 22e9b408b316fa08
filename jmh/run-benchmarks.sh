#!/usr/bin/env bash
# Builds the benchmarks and runs them the way BENCHMARKS.md was measured (about 30 minutes on
# 2 cores, plus about 12 for the HTTP client): lbkit, its floors and the peers at 1 and 2
# threads with the GC profiler; then the
# health/topology, table-build, megamorphic-call-site and HTTP-client-overhead benchmarks; the
# end-to-end gRPC program; then the picking thread's own
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
# One strategy's pick + report with a monomorphic profile and after many strategies (and the
# empty and single-endpoint tables) picked through the same call sites.
java -jar "$jar" MegamorphicPickBenchmark "${opts[@]}" -t 1 -rf json -rff $out/megamorphic.json \
    | tee $out/megamorphic.txt
# BalancedHttpClient against the plain client: both at once (2 threads each), then each alone
# with 4 threads and with 1; then the wrapper's own cost against a stub client (no network).
http=(-f 3 -wi 3 -w 5s -i 5 -r 5s)
java -jar "$jar" 'HttpClientOverheadBenchmark.together' "${http[@]}" \
    -rf json -rff $out/http-together.json | tee $out/http-together.txt
java -jar "$jar" 'HttpClientOverheadBenchmark.side' "${http[@]}" -t 4 \
    -rf json -rff $out/http-side-t4.json | tee $out/http-side-t4.txt
java -jar "$jar" 'HttpClientOverheadBenchmark.side' "${http[@]}" -t 1 \
    -rf json -rff $out/http-side-t1.json | tee $out/http-side-t1.txt
java -jar "$jar" HttpClientWrapperBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc \
    -rf json -rff $out/http-wrapper.json | tee $out/http-wrapper.txt
# End to end over gRPC (about 70 s): grpc's round_robin and pick_first against the lbkit policy,
# real Netty channels and servers on loopback, turns interleaved in one run.
java -cp "$jar" io.lbkit.jmh.grpc.GrpcEndToEnd | tee $out/grpc-e2e.txt
java -cp "$jar" io.lbkit.jmh.AllocationCheck
