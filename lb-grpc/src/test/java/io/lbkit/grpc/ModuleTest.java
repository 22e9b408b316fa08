package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The tests run on the module path, so module-info's declarations are what they exercise. */
class ModuleTest {

    @Test
    void module_exportsTheApiAndProvidesThePolicyAndTheResolver() {
        Module m = LbkitGrpc.class.getModule();
        assertTrue(m.isNamed(), "tests run on the module path");
        ModuleDescriptor d = m.getDescriptor();
        assertEquals("io.lbkit.grpc", d.name());
        assertEquals(Set.of("io.lbkit.grpc"),
                d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
        Map<String, Object> provides = new TreeMap<>();
        d.provides().forEach(p -> provides.put(p.service(), p.providers()));
        assertEquals("{io.grpc.LoadBalancerProvider=[io.lbkit.grpc.Providers$Policy], "
                + "io.grpc.NameResolverProvider=[io.lbkit.grpc.Providers$StaticResolver, "
                + "io.lbkit.grpc.Providers$DnsResolver, io.lbkit.grpc.Providers$SrvResolver]}",
                provides.toString());
        assertTrue(d.requires().stream().anyMatch(r -> r.name().equals("io.grpc")));
    }
}
