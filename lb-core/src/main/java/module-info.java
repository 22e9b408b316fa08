/**
 * lbkit core: endpoint groups, the lock-free load balancer and its strategies. Depends on the
 * JDK only.
 */
// "module": io.lbkit.etcd, named by a qualified export below, is built after this module
@SuppressWarnings("module")
module io.lbkit.core {
    exports io.lbkit;
    exports io.lbkit.dns;
    exports io.lbkit.file;
    exports io.lbkit.retry;
    exports io.lbkit.strategy;
    exports io.lbkit.health;
    // to lb-etcd alone, not API: the builder checks, Backoff and OwnedScheduler its builders and
    // sources share with the core's (docs/layout.md says why)
    exports io.lbkit.internal to io.lbkit.etcd;

    requires jdk.jfr;
}
