package dev.bootcluster.testapp.redis;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * A Spring Security form login on {@code /account/**} (Spring Security's default login
 * page at {@code /login}); the chain matches only those paths, so the rest stays open.
 * The login lives in the HttpSession, which Spring Session keeps in Redis: it holds on
 * every host.
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
