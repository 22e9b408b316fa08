/**
 * What lbkit's runnable programs (simulator, benchmark programs, demo) share: their command line
 * and their loopback HTTP backend. Not published.
 */
module io.lbkit.cli {
    requires transitive jdk.httpserver;

    exports io.lbkit.cli;
}
