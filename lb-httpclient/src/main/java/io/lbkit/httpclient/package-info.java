/**
 * {@link io.lbkit.httpclient.BalancedHttpClient}: keep {@code java.net.http}, wrap the client,
 * address logical services ({@code http://orders/items/7}); lbkit picks the endpoint per call,
 * reports each outcome to the balancer and retries safely on another endpoint.
 */
package io.lbkit.httpclient;
