package io.lbkit.internal.health;

import static java.util.Objects.requireNonNull;

/**
 * What every health rule holds: its settings (from {@code io.lbkit.health}) and the context of
 * the balancer that runs it. Each subclass is one rule; see the package documentation.
 *
 * @param <S> the rule's settings type
 */
abstract class Rule<S> {

    final S settings;
    final RuleContext ctx;

    Rule(S settings, RuleContext ctx) {
        this.settings = requireNonNull(settings, "settings");
        this.ctx = requireNonNull(ctx, "ctx");
    }
}
