package io.lbkit.strategy;

/**
 * Pearson's chi-square goodness-of-fit test for the distribution tests: the statistic, and the
 * critical value of the chi-square distribution computed from the regularized incomplete gamma
 * function (checked against published table values in {@code ChiSquareTest}).
 */
final class ChiSquare {

    /** The significance level of every distribution test: a correct strategy fails 1 in 1000. */
    static final double ALPHA = 0.001;

    private ChiSquare() {}

    /** Σ (observed − expected)² / expected, with expected = total × weight / Σ weights. */
    static double statistic(long[] observed, double[] weights) {
        long total = 0;
        for (long o : observed) {
            total += o;
        }
        double weightSum = 0;
        for (double w : weights) {
            weightSum += w;
        }
        double x = 0;
        for (int i = 0; i < observed.length; i++) {
            double expected = total * weights[i] / weightSum;
            double d = observed[i] - expected;
            x += d * d / expected;
        }
        return x;
    }

    /** The value the statistic exceeds with probability {@code alpha} for {@code dof} degrees. */
    static double criticalValue(int dof, double alpha) {
        double lo = 0;
        double hi = dof + 20 * Math.sqrt(2.0 * dof) + 50;
        for (int k = 0; k < 200; k++) {
            double mid = (lo + hi) / 2;
            if (survival(mid, dof) > alpha) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** P(X > x) for X chi-square distributed with {@code dof} degrees of freedom. */
    static double survival(double x, int dof) {
        return upperRegularizedGamma(dof / 2.0, x / 2.0);
    }

    /** Q(a, x) = Γ(a, x) / Γ(a), by series for x < a + 1, else by continued fraction. */
    private static double upperRegularizedGamma(double a, double x) {
        if (x <= 0) {
            return 1;
        }
        double logPrefix = a * Math.log(x) - x - logGamma(a);
        if (x < a + 1) {
            double term = 1 / a;
            double sum = term;
            for (int n = 1; n < 10_000; n++) {
                term *= x / (a + n);
                sum += term;
                if (term < sum * 1e-16) {
                    break;
                }
            }
            return 1 - sum * Math.exp(logPrefix);
        }
        // Lentz's method for the continued fraction of Γ(a, x).
        double tiny = 1e-300;
        double b = x + 1 - a;
        double c = 1 / tiny;
        double d = 1 / b;
        double h = d;
        for (int n = 1; n < 10_000; n++) {
            double an = -n * (n - a);
            b += 2;
            d = an * d + b;
            if (Math.abs(d) < tiny) {
                d = tiny;
            }
            c = b + an / c;
            if (Math.abs(c) < tiny) {
                c = tiny;
            }
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return h * Math.exp(logPrefix);
    }

    /** ln Γ(a) for a > 0 (Lanczos, g = 7, n = 9; relative error below 1e-13). */
    private static double logGamma(double a) {
        if (a < 0.5) {
            return Math.log(Math.PI / Math.sin(Math.PI * a)) - logGamma(1 - a);
        }
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028,
            771.32342877765313, -176.61502916214059, 12.507343278686905,
            -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
        double z = a - 1;
        double sum = c[0];
        for (int i = 1; i < 9; i++) {
            sum += c[i] / (z + i);
        }
        double t = z + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
