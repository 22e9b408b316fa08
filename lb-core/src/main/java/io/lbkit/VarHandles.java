package io.lbkit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Finds the var handles of the lock-free classes' fields, once, in their static initialisers. */
final class VarHandles {

    private VarHandles() {
    }

    /**
     * The handle of the instance field {@code owner.name} of type {@code type}, found through the
     * owner's {@code lookup} (so that private fields are reachable).
     *
     * @throws ExceptionInInitializerError if there is no such field: a bug in the caller, met when
     *     its class is initialised
     */
    static VarHandle field(MethodHandles.Lookup lookup, Class<?> owner, String name,
            Class<?> type) {
        try {
            return lookup.findVarHandle(owner, name, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
