package dev.bootcluster.web.reactive;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.bootcluster.web.RequestTracker;

/**
 * Feeds the {@link RequestTracker} of a WebFlux application; while draining, every
 * response says {@code Connection: close}. A request counts until its response completed,
 * failed or was cancelled (the client went away).
 */
public class InFlightRequestsWebFilter implements WebFilter, Ordered {

	private final RequestTracker tracker;

	public InFlightRequestsWebFilter(RequestTracker tracker) {
		this.tracker = tracker;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		return Mono.defer(() -> {
			this.tracker.started();
			if (this.tracker.isDraining()) {
				exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
			}
			else {
				// draining may start while the request runs: say it before the response
				// is committed
				exchange.getResponse().beforeCommit(() -> {
					if (this.tracker.isDraining()) {
						exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
					}
					return Mono.empty();
				});
			}
			return chain.filter(exchange).doFinally((signal) -> this.tracker.finished());
		});
	}

}
