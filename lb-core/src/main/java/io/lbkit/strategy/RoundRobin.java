package io.lbkit.strategy;

/** {@link Strategy#roundRobin()}. */
enum RoundRobin implements Strategy {
    INSTANCE;

    @Override
    public Picker newPicker(Candidates candidates) {
        int n = candidates.size();
        if (n == 1) {
            return () -> 0;
        }
        StripedCounter counter = new StripedCounter(n);
        return () -> counter.next() % n;
    }

    @Override
    public String toString() {
        return "Strategy.roundRobin()";
    }
}
