package io.lbkit.strategy;

/**
 * The base of the hashing strategies' pickers: a keyless {@link #pick()} is a keyed pick with a
 * random hash, so calls without a key spread like random keys. One level, no further
 * inheritance: a subclass supplies only {@link #pick(long)}. Thread-safe when its
 * {@code pick(long)} is and the random source is.
 */
abstract class HashPicker implements Picker {

    private final RandomSource random;

    HashPicker(RandomSource random) {
        this.random = random;
    }

    @Override
    public final int pick() {
        return pick(random.nextLong());
    }

    @Override
    public abstract int pick(long hash);
}
