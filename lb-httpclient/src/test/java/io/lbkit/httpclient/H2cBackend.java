package io.lbkit.httpclient;

import io.lbkit.Endpoint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A cleartext HTTP/2 server (h2c, reached by the JDK client's HTTP/1.1 Upgrade) on 127.0.0.1
 * that answers every request with its name, and remembers the last :authority it saw.
 */
final class H2cBackend implements AutoCloseable {

    final String name;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicReference<String> lastAuthority = new AtomicReference<>();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    H2cBackend(String name) throws InterruptedException {
        this.name = name;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        HttpServerCodec http1 = new HttpServerCodec();
                        ch.pipeline().addLast(http1, new HttpServerUpgradeHandler(http1,
                                protocol -> AsciiString.contentEquals(
                                        Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                                        ? new Http2ServerUpgradeCodec(
                                                Http2FrameCodecBuilder.forServer().build(),
                                                new Http2MultiplexHandler(new StreamHandler()))
                                        : null));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    Endpoint endpoint() {
        return Endpoint.of("127.0.0.1", port());
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class StreamHandler extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new SimpleChannelInboundHandler<Http2StreamFrame>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
                    if (frame instanceof Http2HeadersFrame) {
                        Http2HeadersFrame headers = (Http2HeadersFrame) frame;
                        requests.incrementAndGet();
                        CharSequence authority = headers.headers().authority();
                        lastAuthority.set(authority == null ? null : authority.toString());
                        if (headers.isEndStream()) {
                            respond(ctx);
                        }
                    } else if (frame instanceof io.netty.handler.codec.http2.Http2DataFrame
                            && ((io.netty.handler.codec.http2.Http2DataFrame) frame).isEndStream()) {
                        respond(ctx);
                    }
                }
            });
        }

        private void respond(ChannelHandlerContext ctx) {
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
            ctx.writeAndFlush(new DefaultHttp2DataFrame(
                    Unpooled.copiedBuffer(name, StandardCharsets.UTF_8), true));
        }
    }
}
