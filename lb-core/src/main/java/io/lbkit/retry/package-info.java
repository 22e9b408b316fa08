/**
 * Retrying failed calls safely: {@link io.lbkit.retry.RetryPolicy} (how many attempts, how long
 * to back off between them) and {@link io.lbkit.retry.RetryBudget} (how many retries a client
 * may add to its traffic, so that retries cannot multiply an outage).
 *
 * <p>The adapters (lb-httpclient, lb-grpc) apply both; any other client can use them directly:
 * <pre>{@code
 * budget.onRequest();
 * for (int attempt = 1; ; attempt++) {
 *     Pick pick = lb.pick();
 *     ...call, report on the pick...
 *     if (succeeded || attempt == policy.maxAttempts() || !budget.tryAcquireRetry()) break;
 *     Thread.sleep(policy.backoff(attempt).toMillis());
 * }
 * }</pre>
 */
package io.lbkit.retry;
