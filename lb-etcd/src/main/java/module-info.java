/**
 * lbkit on etcd: endpoint groups kept current by an etcd watch, and self-registration of a
 * server under an etcd lease. Depends on lb-core, the JDK's HTTP client and Gson.
 */
module io.lbkit.etcd {
    requires transitive io.lbkit.core;
    requires java.net.http;
    requires com.google.gson;

    exports io.lbkit.etcd;
}
