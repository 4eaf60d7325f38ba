package dev.bootcluster.sample.sessions;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * An ordinary Spring Security form login, as in one JVM: {@code /account/**} needs a
 * login (Spring Security's default login page at {@code /login}); everything else in the
 * sample stays open, since this chain matches only those paths. Clustered, the login is
 * kept in the HttpSession, which the starter keeps in the master's store: it holds on
 * every worker and through rolling restarts, with no code here for it.
 */
@Configuration(proxyBeanMethods = false)
class AccountSecurity {

	@Bean
	SecurityFilterChain accountFilterChain(HttpSecurity http) throws Exception {
		http.securityMatcher("/account/**", "/login", "/logout")
			.authorizeHttpRequests((requests) -> requests.anyRequest().authenticated())
			.formLogin((form) -> form.permitAll())
			.logout(Customizer.withDefaults());
		return http.build();
	}

}
