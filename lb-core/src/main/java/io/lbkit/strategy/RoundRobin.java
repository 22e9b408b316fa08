package io.lbkit.strategy;

/**
 * {@link Strategy#roundRobin()}. Each picker starts its cycle at a random offset, so that many
 * clients (or one client after a rebuild) do not walk the same list in lockstep.
 *
 * @param random draws each picker's starting offset; seeded in tests
 */
record RoundRobin(RandomSource random) implements Strategy {

    static final RoundRobin DEFAULT = new RoundRobin(RandomSource.threadLocal());

    @Override
    public Picker newPicker(Candidates candidates) {
        int n = candidates.size();
        if (n == 1) {
            return () -> 0;
        }
        StripedCounter counter = new StripedCounter(n, random.nextLong());
        return () -> counter.next() % n;
    }

    @Override
    public String toString() {
        return "Strategy.roundRobin()";
    }
}
