package dev.bootcluster.web;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.mock.web.server.MockServerWebExchange;

import dev.bootcluster.web.reactive.InFlightRequestsWebFilter;
import dev.bootcluster.web.servlet.InFlightRequestsFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RequestTracker} fed by the servlet filter and the WebFlux filter.
 */
class RequestTrackingTest {

	private final RequestTracker tracker = new RequestTracker();

	@Test
	void servletRequestsCountWhileTheyRunAndSayConnectionCloseWhileDraining() throws Exception {
		InFlightRequestsFilter filter = new InFlightRequestsFilter(this.tracker);
		int[] seen = new int[1];
		MockHttpServletResponse before = new MockHttpServletResponse();
		filter.doFilter(new MockHttpServletRequest(), before,
				new MockFilterChain(new jakarta.servlet.http.HttpServlet() {
					@Override
					protected void service(jakarta.servlet.http.HttpServletRequest request,
							jakarta.servlet.http.HttpServletResponse response) {
						seen[0] = RequestTrackingTest.this.tracker.active();
					}
				}));
		assertThat(seen[0]).isEqualTo(1);
		assertThat(this.tracker.active()).isZero();
		assertThat(before.getHeader("Connection")).isNull();
		this.tracker.startDraining();
		MockHttpServletResponse during = new MockHttpServletResponse();
		filter.doFilter(new MockHttpServletRequest(), during, new MockFilterChain());
		assertThat(during.getHeader("Connection")).isEqualTo("close");
	}

	@Test
	void webFluxRequestsCountUntilTheirResponseCompletesAndSayConnectionCloseWhileDraining() {
		InFlightRequestsWebFilter filter = new InFlightRequestsWebFilter(this.tracker);
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		int[] seen = new int[1];
		filter.filter(exchange, (ex) -> Mono.fromRunnable(() -> seen[0] = this.tracker.active())).block();
		assertThat(seen[0]).isEqualTo(1);
		assertThat(this.tracker.active()).isZero();
		// draining starts while a request runs: its response still says so
		MockServerWebExchange running = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		filter
			.filter(running,
					(ex) -> Mono.fromRunnable(this.tracker::startDraining).then(ex.getResponse().setComplete()))
			.block();
		assertThat(running.getResponse().getHeaders().getFirst(HttpHeaders.CONNECTION)).isEqualTo("close");
		assertThat(this.tracker.active()).isZero();
	}

	@Test
	void awaitQuietReturnsTheRequestsStillRunningAtTheTimeout() throws Exception {
		this.tracker.started();
		assertThat(this.tracker.awaitQuiet(Duration.ofMillis(10), Duration.ofMillis(50))).isEqualTo(1);
		this.tracker.finished();
		assertThat(this.tracker.awaitQuiet(Duration.ofMillis(10), Duration.ofSeconds(5))).isZero();
	}

}
