/** The command line of lbkit's runnable programs (simulator, benchmark programs, demo). Not published. */
module io.lbkit.cli {
    exports io.lbkit.cli;
}
