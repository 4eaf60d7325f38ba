package dev.bootcluster.scheduling;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.annotation.Schedules;

/**
 * Finds the {@code @Scheduled} methods marked {@link EveryWorker} (on the method, its
 * declaring class or the bean's class), as Spring's
 * {@code ScheduledAnnotationBeanPostProcessor} finds {@code @Scheduled} methods, and
 * before it (a lazily created bean's tasks are scheduled as it is created).
 * <p>
 * A scheduled task reaches the scheduler as a {@code Runnable} Spring wraps, which does
 * not expose its method; it names it, though, by {@code toString()}: the declaring class
 * and method name ({@code ScheduledMethodRunnable}) or the bean's class and method name
 * (a reactive method's subscription). That name is what actuator's {@code scheduledtasks}
 * endpoint shows as a task's target, and what this class records.
 */
public class EveryWorkerMethods implements BeanPostProcessor, Ordered {

	private final Set<String> names = ConcurrentHashMap.newKeySet();

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		Class<?> type = AopUtils.getTargetClass(bean);
		if (!AnnotationUtils.isCandidateClass(type, Set.of(Scheduled.class, Schedules.class))) {
			return bean;
		}
		boolean wholeClass = AnnotatedElementUtils.hasAnnotation(type, EveryWorker.class);
		Map<Method, Boolean> scheduled = MethodIntrospector.selectMethods(type,
				(MethodIntrospector.MetadataLookup<Boolean>) (method) -> AnnotatedElementUtils
					.getMergedRepeatableAnnotations(method, Scheduled.class, Schedules.class)
					.isEmpty() ? null : Boolean.TRUE);
		for (Method method : scheduled.keySet()) {
			if (wholeClass || AnnotatedElementUtils.hasAnnotation(method, EveryWorker.class)
					|| AnnotatedElementUtils.hasAnnotation(method.getDeclaringClass(), EveryWorker.class)) {
				this.names.add(method.getDeclaringClass().getName() + "." + method.getName());
				this.names.add(bean.getClass().getName() + "." + method.getName());
			}
		}
		return bean;
	}

	/**
	 * Whether a scheduled task must run in every worker.
	 * @param task the task as the scheduler receives it
	 */
	public boolean contains(Runnable task) {
		return this.names.contains(task.toString());
	}

	@Override
	public int getOrder() {
		// before ScheduledAnnotationBeanPostProcessor (lowest precedence)
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
