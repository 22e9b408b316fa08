/**
 * The health rules of a balancer, one class per rule, named after its settings in {@link
 * io.lbkit.health}: {@link io.lbkit.internal.health.OutlierDetectionRule} applies {@link
 * io.lbkit.health.OutlierDetection}, {@link io.lbkit.internal.health.CircuitBreakerRule} applies
 * {@link io.lbkit.health.CircuitBreaker}, {@link io.lbkit.internal.health.HealthCheckRule} applies
 * {@link io.lbkit.health.HealthCheck} and {@link io.lbkit.internal.health.SlowStartRule} applies
 * {@link io.lbkit.health.SlowStart}. Each rule keeps its per-endpoint state in a slot of {@link
 * io.lbkit.internal.health.Member} that only it touches, and reaches the balancer through {@link
 * io.lbkit.internal.health.RuleContext}. The balancer's coordinator ({@code HealthController} in
 * {@code io.lbkit}) orders the rules, rebuilds the routing table after a change and delivers the
 * events outside its lock. Panic routing is not here: it is how the table is built from the rules'
 * verdicts, so it stays with the table build.
 *
 * <p>Why a package of its own, and why this one: the rules are called by the engine in
 * {@code io.lbkit}, so they cannot be package-private in {@code io.lbkit.health}, and public types
 * there would be API (that package is exported). Kept package-private in {@code io.lbkit} they
 * would add four more engine files to the API package. Under {@code io.lbkit.internal} the module
 * does not export them, and on the class path the name says what the module system cannot: not
 * API, may change in any release. Not thread-safe: everything here runs under the balancer's lock,
 * except a probe's plug-in call, which runs holding no lock.
 */
package io.lbkit.internal.health;
