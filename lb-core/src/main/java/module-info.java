/**
 * lbkit core: endpoint groups, the lock-free load balancer and its strategies. Depends on the
 * JDK only.
 */
module io.lbkit.core {
    exports io.lbkit;
    exports io.lbkit.dns;
    exports io.lbkit.file;
    exports io.lbkit.retry;
    exports io.lbkit.strategy;
    exports io.lbkit.health;

    requires jdk.jfr;
}
