/**
 * File discovery: {@link io.lbkit.file.FileEndpointGroup}, an endpoint group read from a file of
 * {@code host:port [weight] [zone]} lines and reloaded when it changes.
 */
package io.lbkit.file;
