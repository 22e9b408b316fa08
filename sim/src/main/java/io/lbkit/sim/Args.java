package io.lbkit.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The command-line checks of the simulator's entry points ({@link Main}, {@link SubsettingMain},
 * {@link TailMain}). Stateless.
 */
final class Args {

    private Args() {}

    /** The value after {@code option}, at {@code args[i]}. */
    static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** {@code value} as an integer of at least 1. */
    static int positive(String option, String value) {
        int n;
        try {
            n = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a positive integer, was "
                    + value);
        }
        if (n < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, was " + n);
        }
        return n;
    }

    /** {@code value} as a comma-separated list of integers of at least 1. */
    static List<Integer> positives(String option, String value) {
        List<Integer> list = new ArrayList<>();
        for (String n : value.split(",")) {
            list.add(positive(option, n));
        }
        return list;
    }
}
