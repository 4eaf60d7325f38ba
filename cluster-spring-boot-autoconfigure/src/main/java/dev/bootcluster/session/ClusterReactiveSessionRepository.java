package dev.bootcluster.session;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.session.ReactiveSessionRepository;

/**
 * Spring Session's reactive repository (WebFlux's {@code WebSession}) on the master's
 * store: the {@link ClusterSessionRepository}'s operations, each a request to the master
 * that blocks until it answers, run on Reactor's bounded elastic scheduler so they never
 * block an event loop.
 */
public final class ClusterReactiveSessionRepository implements ReactiveSessionRepository<ClusterSession> {

	private final ClusterSessionRepository sessions;

	private final Scheduler scheduler;

	public ClusterReactiveSessionRepository(ClusterSessionRepository sessions) {
		this(sessions, Schedulers.boundedElastic());
	}

	ClusterReactiveSessionRepository(ClusterSessionRepository sessions, Scheduler scheduler) {
		this.sessions = sessions;
		this.scheduler = scheduler;
	}

	@Override
	public Mono<ClusterSession> createSession() {
		// no I/O: a new session is stored when saved
		return Mono.fromSupplier(this.sessions::createSession);
	}

	@Override
	public Mono<Void> save(ClusterSession session) {
		return Mono.<Void>fromRunnable(() -> this.sessions.save(session)).subscribeOn(this.scheduler);
	}

	@Override
	public Mono<ClusterSession> findById(String id) {
		return Mono.fromCallable(() -> this.sessions.findById(id)).subscribeOn(this.scheduler);
	}

	@Override
	public Mono<Void> deleteById(String id) {
		return Mono.<Void>fromRunnable(() -> this.sessions.deleteById(id)).subscribeOn(this.scheduler);
	}

}
