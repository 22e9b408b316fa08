/** The lbkit demo: BalancedHttpClient over real loopback backends. Not published. */
module io.lbkit.demo {
    requires io.lbkit.httpclient;
    requires io.lbkit.etcd;
    requires io.lbkit.cli;
    requires jdk.httpserver;
    requires java.logging;
}
