package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.strategy.Strategy;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What {@code BalancedHttpClient} itself costs per call, without the network: both clients wrap
 * a stub {@code HttpClient} that answers at once (it runs the body handler and feeds it an empty,
 * complete body). {@code stub} is the stub alone; {@code balanced} adds lbkit's routing, pick,
 * URI rewrite, request copy, retry bookkeeping and outcome report. Their difference is the
 * wrapper's CPU time and allocation per call, to set against what a real loopback call costs in
 * {@link HttpClientOverheadBenchmark}.
 *
 * <pre>{@code
 * java -jar jmh/target/benchmarks.jar HttpClientWrapperBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HttpClientWrapperBenchmark {

    private HttpClient stub;
    private HttpClient balanced;
    private HttpRequest direct;
    private HttpRequest logical;

    @Setup
    public void setUp() {
        stub = new StubClient();
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(Endpoint.of("127.0.0.1", 8080)))
                .strategy(Strategy.roundRobin()).build();
        balanced = BalancedHttpClient.newBuilder(new StubClient()).service("backend", lb).build();
        direct = HttpRequest.newBuilder(URI.create("http://127.0.0.1:8080/items?id=7")).build();
        logical = HttpRequest.newBuilder(URI.create("http://backend/items?id=7")).build();
    }

    @Benchmark
    public int stub() throws IOException, InterruptedException {
        return stub.send(direct, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Benchmark
    public int balanced() throws IOException, InterruptedException {
        return balanced.send(logical, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Answers every request at once with 200 and an empty body. */
    static final class StubClient extends HttpClient {
        private static final HttpHeaders NO_HEADERS = HttpHeaders.of(Map.of(), (a, b) -> true);

        @Override
        public <T> HttpResponse<T> send(HttpRequest request,
                HttpResponse.BodyHandler<T> handler) {
            HttpResponse.BodySubscriber<T> body = handler.apply(new HttpResponse.ResponseInfo() {
                @Override
                public int statusCode() {
                    return 200;
                }

                @Override
                public HttpHeaders headers() {
                    return NO_HEADERS;
                }

                @Override
                public Version version() {
                    return Version.HTTP_1_1;
                }
            });
            body.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {}

                @Override
                public void cancel() {}
            });
            body.onNext(List.of(ByteBuffer.allocate(0)));
            body.onComplete();
            return new StubResponse<>(request, body.getBody().toCompletableFuture().join());
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
                HttpResponse.BodyHandler<T> handler) {
            return CompletableFuture.completedFuture(send(request, handler));
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
                HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> push) {
            return sendAsync(request, handler);
        }

        @Override
        public Optional<CookieHandler> cookieHandler() {
            return Optional.empty();
        }

        @Override
        public Optional<Duration> connectTimeout() {
            return Optional.empty();
        }

        @Override
        public Redirect followRedirects() {
            return Redirect.NEVER;
        }

        @Override
        public Optional<ProxySelector> proxy() {
            return Optional.empty();
        }

        @Override
        public SSLContext sslContext() {
            throw new UnsupportedOperationException("plain HTTP only");
        }

        @Override
        public SSLParameters sslParameters() {
            return new SSLParameters();
        }

        @Override
        public Optional<Authenticator> authenticator() {
            return Optional.empty();
        }

        @Override
        public Version version() {
            return Version.HTTP_1_1;
        }

        @Override
        public Optional<Executor> executor() {
            return Optional.empty();
        }
    }

    private static final class StubResponse<T> implements HttpResponse<T> {
        private final HttpRequest request;
        private final T body;

        StubResponse(HttpRequest request, T body) {
            this.request = request;
            this.body = body;
        }

        @Override
        public int statusCode() {
            return 200;
        }

        @Override
        public HttpRequest request() {
            return request;
        }

        @Override
        public Optional<HttpResponse<T>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public HttpHeaders headers() {
            return StubClient.NO_HEADERS;
        }

        @Override
        public T body() {
            return body;
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return request.uri();
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
