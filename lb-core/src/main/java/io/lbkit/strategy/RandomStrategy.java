package io.lbkit.strategy;

/** {@link Strategy#random()}. */
record RandomStrategy(RandomSource random) implements Strategy {

    static final RandomStrategy DEFAULT = new RandomStrategy(RandomSource.threadLocal());

    @Override
    public Picker newPicker(Candidates candidates) {
        int n = candidates.size();
        RandomSource r = random;
        return () -> RandomSource.index((int) r.nextLong(), n);
    }

    @Override
    public String toString() {
        return "Strategy.random()";
    }
}
