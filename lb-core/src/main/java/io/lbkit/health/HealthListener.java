package io.lbkit.health;

/**
 * Receives a balancer's {@link HealthEvent}s. Called on the thread that caused the change (a
 * reporting caller or the balancer's scheduler), serialised per balancer; must return quickly and
 * must not call back into the balancer's configuration.
 */
@FunctionalInterface
public interface HealthListener {
    void onEvent(HealthEvent event);
}
