package io.lbkit.strategy;

/** {@link Strategy#random()}. */
final class RandomStrategy implements Strategy {

    static final RandomStrategy DEFAULT = new RandomStrategy(RandomSource.threadLocal());

    private final RandomSource random;

    RandomStrategy(RandomSource random) {
        this.random = random;
    }

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
