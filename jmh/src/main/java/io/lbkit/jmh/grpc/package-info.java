/**
 * End-to-end gRPC benchmark program: the lbkit policy against grpc-java's own policies on real
 * Netty channels and servers on loopback ({@link io.lbkit.jmh.grpc.GrpcEndToEnd}).
 */
package io.lbkit.jmh.grpc;
