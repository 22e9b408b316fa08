package io.lbkit;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** The JFR event recorded for every {@link io.lbkit.health.HealthEvent}. */
@Name("io.lbkit.HealthChange")
@Label("Load Balancer Health Change")
@Category("lbkit")
@Description("An endpoint was ejected, restored, marked up or down, or its circuit changed; "
        + "or the balancer entered or left panic")
final class HealthChangeEvent extends jdk.jfr.Event {
    @Label("Type")
    String type;

    @Label("Endpoint")
    String endpoint;

    @Label("Detail")
    String detail;
}
