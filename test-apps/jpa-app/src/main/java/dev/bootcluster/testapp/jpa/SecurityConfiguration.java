package dev.bootcluster.testapp.jpa;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Form login and HTTP basic for one in-memory user, {@code user}/{@code password};
 * {@code GET /owners/**} and the actuator's {@code health} and {@code cluster} endpoints
 * are open, everything else needs a login.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	@Bean
	SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
		http.authorizeHttpRequests((requests) -> requests.requestMatchers(HttpMethod.GET, "/owners/**")
			.permitAll()
			.requestMatchers("/actuator/health/**", "/actuator/cluster/**", "/error")
			.permitAll()
			.anyRequest()
			.authenticated())
			.formLogin((form) -> form.permitAll())
			.httpBasic(Customizer.withDefaults())
			// A test application: CSRF is off for the actuator so that the tests can
			// POST /actuator/cluster/restart without a login or a token, and for
			// requests that carry HTTP basic credentials (API clients, the benchmarks).
			// Never do this in production.
			.csrf((csrf) -> csrf.ignoringRequestMatchers("/actuator/**")
				.ignoringRequestMatchers((request) -> hasBasicCredentials(request.getHeader("Authorization"))));
		return http.build();
	}

	@Bean
	InMemoryUserDetailsManager userDetailsService() {
		// {noop}: a plain-text password, fine for a test application only
		return new InMemoryUserDetailsManager(
				User.withUsername("user").password("{noop}password").roles("USER").build());
	}

	private static boolean hasBasicCredentials(String authorization) {
		return authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6);
	}

}
