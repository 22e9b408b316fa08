/**
 * A loopback benchmark that compares lbkit's {@code BalancedHttpClient} calling backends
 * directly with a plain {@code HttpClient} calling through HAProxy and with a plain
 * {@code HttpClient} calling one backend. An application, not a library: run
 * {@code java -jar proxy-bench/target/lb-proxy-bench.jar --help}.
 */
package io.lbkit.proxybench;
