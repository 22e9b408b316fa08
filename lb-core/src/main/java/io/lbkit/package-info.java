/**
 * lbkit's core API: {@link io.lbkit.Endpoint}, {@link io.lbkit.EndpointGroup} and
 * {@link io.lbkit.LoadBalancer}.
 *
 * <p>An {@code EndpointGroup} publishes immutable endpoint lists; a {@code LoadBalancer} turns each
 * list into an immutable routing table and picks one endpoint per call from it without locks or
 * allocation. The caller reports each call's outcome through the returned {@link io.lbkit.Pick}.
 */
package io.lbkit;
