/**
 * What lbkit's runnable programs (simulator, benchmark programs, demo) share: their command line,
 * their loopback HTTP backend and the level of lbkit's log. Not published.
 */
module io.lbkit.cli {
    requires transitive java.logging;
    requires transitive jdk.httpserver;

    exports io.lbkit.cli;
}
