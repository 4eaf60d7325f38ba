package dev.bootcluster.web.servlet;

import java.io.IOException;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;

import dev.bootcluster.web.RequestTracker;

/**
 * Feeds the {@link RequestTracker} of a servlet application (Tomcat or Jetty); while
 * draining, every response says {@code Connection: close}.
 */
public class InFlightRequestsFilter implements Filter, Ordered {

	private final RequestTracker tracker;

	public InFlightRequestsFilter(RequestTracker tracker) {
		this.tracker = tracker;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		if (this.tracker.isDraining() && response instanceof HttpServletResponse http) {
			http.setHeader("Connection", "close");
		}
		this.tracker.started();
		try {
			chain.doFilter(request, response);
		}
		finally {
			this.tracker.finished();
		}
	}

}
