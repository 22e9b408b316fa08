package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.health.OutlierDetection;
import io.lbkit.retry.RetryPolicy;
import io.lbkit.strategy.Strategy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where a retry goes (docs/failure-model.md, section 5), against three loopback backends under
 * round robin, whose order the test reads from the balancer, so that it knows which endpoint each
 * attempt is offered. The balancer's clock moves only when the test moves it: the failure scores
 * the test sets up do not fade while it runs, however slow the machine.
 */
@Timeout(30)
class RetryChoiceTest {

    private final Backend[] backends = new Backend[3];
    private LoadBalancer lb;
    /** The balancer's clock, in nanoseconds: moved only by the test. */
    private final AtomicLong clock = new AtomicLong();
    /** The backends in the order round robin offers them, starting with the next pick's. */
    private final List<Backend> cycle = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < backends.length; i++) {
            backends[i] = Backend.start("b" + i);
            eps.add(backends[i].endpoint());
        }
        lb = LoadBalancer.builder(EndpointGroup.of(eps)).strategy(Strategy.roundRobin())
                .ticker(clock::get).outlierDetection(OutlierDetection.disabled()).build();
        for (int i = 0; i < backends.length; i++) {
            Pick p = lb.pick();
            cycle.add(backendOf(p));
            p.release();
        }
    }

    @AfterEach
    void stop() {
        lb.close();
        for (Backend b : backends) {
            b.close();
        }
    }

    private Backend backendOf(Pick p) {
        for (Backend b : backends) {
            if (b.endpoint().equals(p.endpoint())) {
                return b;
            }
        }
        throw new AssertionError(p.endpoint());
    }

    /** Reports outcomes on the next three picks (a full turn of round robin): null releases. */
    private void turn(Boolean first, Boolean second, Boolean third) {
        Boolean[] outcomes = {first, second, third};
        for (int i = 0; i < 3; i++) {
            Pick p = lb.pick();
            assertEquals(cycle.get(i).endpoint(), p.endpoint());
            if (outcomes[i] == null) {
                p.release();
            } else if (outcomes[i]) {
                p.onSuccess(1_000_000);
            } else {
                p.onFailure(1_000_000);
            }
        }
    }

    private BalancedHttpClient client(int maxAttempts) {
        return BalancedHttpClient.newBuilder(HttpClient.newHttpClient()).service("svc", lb)
                .retryPolicy(RetryPolicy.builder().maxAttempts(maxAttempts)
                        .backoff(Duration.ZERO, Duration.ZERO).build())
                .build();
    }

    private static HttpRequest get() {
        return HttpRequest.newBuilder(URI.create("http://svc/x")).timeout(Duration.ofSeconds(10))
                .build();
    }

    private static HttpResponse<String> send(BalancedHttpClient http, boolean async)
            throws Exception {
        return async ? http.sendAsync(get(), BodyHandlers.ofString()).get(10, TimeUnit.SECONDS)
                : http.send(get(), BodyHandlers.ofString());
    }

    /**
     * The gap the rule closes: in the first milliseconds of a fault an endpoint that has failed
     * once is not yet known to be failing (that takes two failures in a row), so a retry that
     * looked only at that took it, and with three of five endpoints failing at once a call's
     * three attempts could all fail.
     */
    @ParameterizedTest(name = "sendAsync={0}")
    @ValueSource(booleans = {false, true})
    void retry_passesOverAnEndpointThatFailedOnce_forOneWhoseLastCallSucceeded(boolean async)
            throws Exception {
        Backend firstAttempt = cycle.get(0);
        Backend failedOnce = cycle.get(1);
        Backend working = cycle.get(2);
        firstAttempt.status = 503;
        failedOnce.status = 503;
        turn(null, false, true); // failedOnce: one failure, its last outcome; working: a success
        BalancedHttpClient http = client(2);

        HttpResponse<String> r = send(http, async);

        assertEquals(200, r.statusCode(), "the retry went to the working backend");
        assertEquals(working.name, r.body());
        assertEquals(1, firstAttempt.requests.get());
        assertEquals(0, failedOnce.requests.get(), "the endpoint that failed once was passed over");
    }

    /**
     * The window one failure does not close: in the first milliseconds of a fault the failing
     * endpoints' failures may not be reported yet (a refused connection took 20 ms and more on a
     * loaded machine), and a hanging one reports nothing until its calls time out; neither
     * reports successes, while a working endpoint does all the time.
     */
    @ParameterizedTest(name = "sendAsync={0}")
    @ValueSource(booleans = {false, true})
    void retry_prefersAnEndpointSeenWorkingSinceTheCallBegan(boolean async) throws Exception {
        Backend firstAttempt = cycle.get(0);
        Backend notReportedYet = cycle.get(1);
        Backend working = cycle.get(2);
        firstAttempt.status = 503;
        notReportedYet.status = 503;
        // A failure starts the balancer's watch (successes are timed only within 10 s of one);
        // notReportedYet's last success is 5 s before the call, working's just before it.
        turn(false, true, null);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(5));
        turn(null, null, true);
        BalancedHttpClient http = client(2);

        HttpResponse<String> r = send(http, async);

        assertEquals(200, r.statusCode(), "the retry went to the working backend");
        assertEquals(working.name, r.body());
        assertEquals(0, notReportedYet.requests.get());
    }

    @ParameterizedTest(name = "sendAsync={0}")
    @ValueSource(booleans = {false, true})
    void retry_passesOverAnEndpointKnownToBeFailing(boolean async) throws Exception {
        Backend firstAttempt = cycle.get(0);
        Backend failing = cycle.get(1);
        Backend working = cycle.get(2);
        firstAttempt.status = 503;
        failing.status = 503;
        turn(null, false, null);
        turn(null, false, null); // failing: two failures in a row, known to be failing
        BalancedHttpClient http = client(2);

        HttpResponse<String> r = send(http, async);

        assertEquals(200, r.statusCode());
        assertEquals(working.name, r.body());
        assertEquals(0, failing.requests.get());
    }

    /**
     * The fallback, and why the rule cannot starve an endpoint: when every endpoint left has
     * failed since its last success, a retry takes one that is not known to be failing, and
     * that endpoint's success clears its mark.
     */
    @ParameterizedTest(name = "sendAsync={0}")
    @ValueSource(booleans = {false, true})
    void retry_settlesForAnEndpointThatFailedOnce_whenEveryOtherHasToo(boolean async)
            throws Exception {
        Backend firstAttempt = cycle.get(0);
        Backend recovered = cycle.get(1);
        Backend failing = cycle.get(2);
        firstAttempt.status = 503;
        failing.status = 503;
        turn(null, false, false);
        turn(null, null, false); // failing: two in a row; recovered: one failure, now answers 200
        BalancedHttpClient http = client(2);

        HttpResponse<String> r = send(http, async);

        assertEquals(200, r.statusCode());
        assertEquals(recovered.name, r.body());
        assertEquals(0, failing.requests.get(), "known to be failing: last resort only");
        Pick p = nextPickOf(recovered);
        assertFalse(p.failedSinceLastSuccess(), "its success cleared the mark");
        p.release();
    }

    /** Only retries look at the mark: first attempts still reach the endpoint. */
    @Test
    void firstAttempts_stillReachAnEndpointThatFailedOnce_andItsSuccessClearsTheMark()
            throws Exception {
        Backend failedOnce = cycle.get(1);
        turn(null, false, null);
        BalancedHttpClient http = client(3);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, http.send(get(), BodyHandlers.ofString()).statusCode());
        }
        assertEquals(1, failedOnce.requests.get(), "round robin's turn came, retry rule or not");
        Pick p = nextPickOf(failedOnce);
        assertFalse(p.failedSinceLastSuccess());
        p.release();
    }

    /** The next pick of {@code b}'s endpoint, after releasing the picks before it. */
    private Pick nextPickOf(Backend b) {
        for (int i = 0; i < backends.length; i++) {
            Pick p = lb.pick();
            if (p.endpoint().equals(b.endpoint())) {
                return p;
            }
            p.release();
        }
        throw new AssertionError("round robin skipped " + b.name);
    }
}
