/**
 * How a load balancer chooses an endpoint: {@link io.lbkit.strategy.Strategy} and its factories.
 *
 * <p>A strategy is consulted only when the routing table changes: it builds a
 * {@link io.lbkit.strategy.Picker} for exactly the table's {@link io.lbkit.strategy.Candidates},
 * and the picker answers each call. Health, zones and priorities have already been applied to
 * the candidates, so strategies only choose.
 */
package io.lbkit.strategy;
