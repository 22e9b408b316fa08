/**
 * DNS discovery: endpoint groups fed by A/AAAA and SRV records and refreshed on their TTLs.
 * {@link io.lbkit.EndpointGroup#dns} and {@link io.lbkit.EndpointGroup#dnsSrv} give the
 * defaults; {@link io.lbkit.dns.DnsEndpointGroup#builder} and
 * {@link io.lbkit.dns.DnsEndpointGroup#srvBuilder} tune them.
 */
package io.lbkit.dns;
