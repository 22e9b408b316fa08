package io.lbkit.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A program's arguments, read from left to right: the program's option table is a loop over
 * {@link #next()} with one {@code case} per option, each reading its value with {@link #value()},
 * {@link #intIn}, {@link #positive()} or {@link #positives()}. A bad value fails with an
 * {@link IllegalArgumentException} that names the option and its range and quotes the input
 * escaped and cut ({@link #quote}). Options are applied in the order given, so a later one wins.
 * Not thread-safe; confined to the thread that parses.
 *
 * <pre>{@code
 * CommandLine cl = new CommandLine(args);
 * while (cl.hasNext()) {
 *     switch (cl.next()) {
 *         case "--rounds" -> rounds = cl.intIn(1, 20);
 *         case "--help", "-h" -> help = true;
 *         default -> throw cl.unknown();
 *     }
 * }
 * }</pre>
 */
public final class CommandLine {

    /** The most characters of an input quoted in a message. */
    static final int QUOTED_CHARS = 40;

    private final String[] args;
    private int next;
    private String option;

    /**
     * Reads {@code args}.
     *
     * @param args the program's arguments, not null (copied)
     */
    public CommandLine(String... args) {
        this.args = Objects.requireNonNull(args, "args").clone();
    }

    /** Whether an option is left. */
    public boolean hasNext() {
        return next < args.length;
    }

    /**
     * The next option, which the value readers then refer to.
     *
     * @throws java.util.NoSuchElementException if none is left
     */
    public String next() {
        if (!hasNext()) {
            throw new java.util.NoSuchElementException("no argument left");
        }
        option = args[next++];
        return option;
    }

    /**
     * The argument after the current option, as given.
     *
     * @throws IllegalArgumentException "{@code --x needs a value}" if it is the last argument
     */
    public String value() {
        if (option == null) {
            throw new IllegalStateException("next() was not called");
        }
        if (!hasNext()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[next++];
    }

    /**
     * The current option's value as an integer in {@code min..max}.
     *
     * @throws IllegalArgumentException naming the option and the range
     */
    public int intIn(int min, int max) {
        int v = integer(value(), "an integer in " + min + ".." + max);
        if (v < min || v > max) {
            throw new IllegalArgumentException(option + " must be in " + min + ".." + max
                    + ", was " + v);
        }
        return v;
    }

    /**
     * The current option's value as an integer of at least 1.
     *
     * @throws IllegalArgumentException naming the option
     */
    public int positive() {
        return positive(value());
    }

    /**
     * The current option's value as a comma-separated list of integers of at least 1.
     *
     * @throws IllegalArgumentException naming the option
     */
    public List<Integer> positives() {
        List<Integer> list = new ArrayList<>();
        for (String n : value().split(",", -1)) {
            list.add(positive(n));
        }
        return List.copyOf(list);
    }

    /**
     * The current option's value as a long.
     *
     * @throws IllegalArgumentException naming the option
     */
    public long longValue() {
        String value = value();
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be an integer, was '"
                    + quote(value) + "'", e);
        }
    }

    /**
     * The current option's value as a number in {@code (minExclusive, max]}.
     *
     * @throws IllegalArgumentException naming the option and the range
     */
    public double doubleIn(double minExclusive, double max) {
        String value = value();
        double v;
        try {
            v = Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number in (" + minExclusive
                    + ", " + max + "], was '" + quote(value) + "'", e);
        }
        if (!(v > minExclusive && v <= max)) {
            throw new IllegalArgumentException(option + " must be in (" + minExclusive + ", "
                    + max + "], was " + v);
        }
        return v;
    }

    /**
     * The error for the current option when the program has no such option: throw it.
     *
     * @return "{@code unknown option '--x'; --help lists them}", the option quoted
     */
    public IllegalArgumentException unknown() {
        return new IllegalArgumentException("unknown option '" + quote(String.valueOf(option))
                + "'; --help lists them");
    }

    private int positive(String value) {
        int n = integer(value, "a positive integer");
        if (n < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, was " + n);
        }
        return n;
    }

    /** {@code value} as an int, else the error "the option must be {@code expected}, was ...". */
    private int integer(String value, String expected) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be " + expected + ", was '"
                    + quote(value) + "'", e);
        }
    }

    /**
     * The one of {@code choices} whose name is {@code given}, for an option whose value names
     * one of a fixed set.
     *
     * @param option the option, for the message (with the noun: "{@code --cases}" and
     *     "{@code case}" read "{@code --cases: unknown case 'x'; allowed: a, b}")
     * @param noun what a choice is called in the message
     * @param given the name given
     * @param choices the choices, in the order the message lists them
     * @param name a choice's name
     * @param <T> the choices' type
     * @throws IllegalArgumentException quoting {@code given} and listing the names allowed
     */
    public static <T> T oneOf(String option, String noun, String given, List<T> choices,
            Function<T, String> name) {
        List<String> names = new ArrayList<>();
        for (T c : choices) {
            String n = name.apply(c);
            if (n.equals(given)) {
                return c;
            }
            names.add(n);
        }
        throw new IllegalArgumentException(option + ": unknown " + noun + " '" + quote(given)
                + "'; allowed: " + String.join(", ", names));
    }

    /**
     * {@code s} made safe to print in a message: control characters, non-ASCII, quotes and
     * backslashes as {@code \}{@code uXXXX} escapes, cut after {@value #QUOTED_CHARS} characters
     * with {@code ...}.
     *
     * @param s the input, not null
     */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        for (; i < s.length() && sb.length() < QUOTED_CHARS; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '\'' || c == '\\') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return i < s.length() ? sb + "..." : sb.toString();
    }

    /**
     * Parses a program's options, or ends the program the way a command-line tool does: on an
     * {@link IllegalArgumentException} from {@code parse}, prints "{@code program: message}" and
     * {@code hint} to {@code System.err} and exits with status 2.
     *
     * @param program the program's name, the prefix of the message
     * @param hint the line printed after the message: "try --help" or a usage line
     * @param parse the program's parser
     * @param args the program's arguments
     * @param <T> the program's options
     * @return what {@code parse} returned
     */
    public static <T> T parseOrExit(String program, String hint, Function<String[], T> parse,
            String[] args) {
        try {
            return parse.apply(args);
        } catch (IllegalArgumentException e) {
            PrintStream err = System.err;
            err.println(program + ": " + e.getMessage());
            err.println(hint);
            System.exit(2);
            throw new AssertionError("unreachable", e);
        }
    }
}
