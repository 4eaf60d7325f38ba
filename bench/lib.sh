# shellcheck shell=bash disable=SC2034  # LOAD_* and CPU_* are outputs for the caller
# Shared helpers for the bench/ scripts. Source it; do not run it.
#
#   . "$(dirname "$0")/lib.sh"
#   bench_init                        # private temp dir + jar copy + traps (bench_init_dir: no copy)
#   bench_use_server jetty            # tomcat|jetty|netty|jpa: copy that app's jar (and, with
#                                     # BENCH_LAUNCH=mvn, the sample module) into the temp dir
#   bench_ensure_loadgen              # wrk (apt-get), else ab
#   port=$(bench_free_port)
#   bench_start_cluster "$port" 2     # sets BENCH_SERVER_PID (the master) / BENCH_SERVER_LOG
#   bench_wait_cluster_ready "$BENCH_SERVER_PID" "$BENCH_SERVER_LOG" "$port" 2
#   bench_load "http://127.0.0.1:$port/" 10 32 2   # sets LOAD_RPS, LOAD_NON2XX, LOAD_SOCKERR
#   bench_stop_server "$BENCH_SERVER_PID"
#   bench_cpu_begin PIDS...; ...; bench_cpu_end PIDS...   # CPU_OTHER_PCT: someone else's load
#
# How a server is started (set before sourcing or before the first start):
#   JAVA          the java binary [java on PATH]; with BENCH_LAUNCH=mvn its JDK is Maven's JAVA_HOME
#   BENCH_LAUNCH  jar: JAVA -jar <private copy of the jar> [default]
#                 mvn: mvn -q -o -f <private copy of the sample-app module>/pom.xml spring-boot:run
#                 -Dspring-boot.run.arguments=... (tomcat only); the master is then the JVM that the
#                 Maven JVM forks: BENCH_SERVER_PID is that master, found among the Maven JVM's
#                 children, and BENCH_LAUNCHER_OF[master] the Maven JVM (our own child).
#
# Safety rules kept by every helper here:
#   * servers only ever listen on / are only ever loaded at 127.0.0.1;
#   * every server process is started with BENCH_OWNER=<our private temp dir> in its environment,
#     which the Maven JVM passes to the master and the master to its workers. A process is "ours"
#     only while /proc/<pid>/environ still holds exactly that value (or its command line names our
#     temp dir), so a recycled PID of someone else's process is never touched. (Workers run the
#     master's own copy of the jar, not ours, so their command line alone does not show it.)
#   * every process is killed by the PID this shell recorded when it started it (the Maven JVM or
#     the master, the load generator), by a PID read with `pgrep -P <our Maven JVM>` that is ours
#     (the forked master), or with `pgrep -P <our master>` that is ours (the workers);
#   * the EXIT trap stops whatever is still running, also on Ctrl-C, SIGTERM and errors.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_SOURCE_JAR=${BENCH_SOURCE_JAR:-$BENCH_ROOT/sample-app/target/sample-app.jar}
BENCH_STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-120}   # seconds to wait for a server to be ready
BENCH_STOP_TIMEOUT=${STOP_TIMEOUT:-45}          # graceful SIGTERM stop (the master allows workers 35 s)
BENCH_KEEP_TMP=${KEEP_TMP:-0}                   # 1: keep the temp dir (logs) on exit
BENCH_JAVA=${JAVA:-java}
BENCH_LAUNCH=${BENCH_LAUNCH:-jar}

# The servers: app jar (relative to the project root), what it is, and the path that answers 200
# without a login once it is up (bench_wait_cluster_ready; jpa needs a login for everything else).
declare -A BENCH_SERVER_JARS=([tomcat]=sample-app/target/sample-app.jar
	[jetty]=test-apps/jetty-app/target/jetty-app.jar [netty]=test-apps/webflux-app/target/webflux-app.jar
	[jpa]=test-apps/jpa-app/target/jpa-app.jar)
declare -A BENCH_SERVER_DESC=([tomcat]="Spring MVC on Tomcat (sample-app)"
	[jetty]="Spring MVC on Jetty (test-apps/jetty-app)" [netty]="WebFlux on Reactor Netty (test-apps/webflux-app)"
	[jpa]="Spring MVC + JPA (Hibernate, H2) + Security on Tomcat (test-apps/jpa-app)")
declare -A BENCH_SERVER_PATH=([tomcat]=/ [jetty]=/ [netty]=/ [jpa]=/owners)

BENCH_TMP=""
BENCH_JAR=""
BENCH_SERVER=tomcat
BENCH_MODULE=""                 # BENCH_LAUNCH=mvn: private copy of the sample-app module
BENCH_LOADGEN=""
BENCH_SERVER_PID=""
BENCH_SERVER_LOG=""
BENCH_LOAD_PID=""
declare -a BENCH_MASTERS=()     # server PIDs we started and have not reaped yet (master, or Maven JVM)
declare -A BENCH_LAUNCHER_OF=() # master PID -> the Maven JVM (our child) that forked it
declare -A BENCH_CHILDREN=()    # worker PID -> 1, seen under one of our masters

bench_log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
bench_die() { bench_log "ERROR: $*"; exit 1; }

# SERVERS (a list) or SERVER (one), default tomcat; each checked. Prints the list.
bench_servers() {
	local list=${SERVERS:-${SERVER:-tomcat}} s
	[[ -n ${list// /} ]] || bench_die "SERVERS must not be empty"
	for s in $list; do
		[[ -n ${BENCH_SERVER_JARS[$s]:-} ]] || bench_die "unknown server '$s' (SERVER/SERVERS: tomcat, jetty, netty, jpa)"
	done
	echo "$list"
}

# The JDK of BENCH_JAVA (for Maven's JAVA_HOME) and its version string.
bench_java_home() {
	local j
	j=$(command -v "$BENCH_JAVA") || bench_die "JAVA=$BENCH_JAVA: not found"
	j=$(readlink -f "$j")
	echo "${j%/bin/java}"
}
bench_java_version() { "$BENCH_JAVA" -version 2>&1 | head -n 1; }
bench_java_feature() { # "17", "25"
	"$BENCH_JAVA" -version 2>&1 | head -n 1 | sed -E 's/.*version "([0-9]+)[^"]*".*/\1/'
}

# --- setup / teardown -------------------------------------------------------------------------

# The temp dir and the traps only (the caller then picks its jar with bench_use_server).
bench_init_dir() {
	BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX") || bench_die "mktemp failed"
	trap bench_cleanup EXIT
	trap 'bench_log "interrupted"; exit 130' INT
	trap 'bench_log "terminated"; exit 143' TERM HUP
	[[ $BENCH_LAUNCH == jar || $BENCH_LAUNCH == mvn ]] || bench_die "LAUNCH must be jar or mvn (got '$BENCH_LAUNCH')"
	command -v "$BENCH_JAVA" >/dev/null 2>&1 || bench_die "JAVA=$BENCH_JAVA: not found"
	bench_log "temp dir $BENCH_TMP"
}

bench_init() {
	bench_init_dir
	if [[ ! -f $BENCH_SOURCE_JAR ]]; then
		bench_log "building $BENCH_SOURCE_JAR (missing)"
		(cd "$(dirname "$BENCH_SOURCE_JAR")/../.." && mvn -q -B -o package -DskipTests) \
			|| bench_die "build failed"
	fi
	# Run from a private copy: the original may be rebuilt while we measure.
	BENCH_JAR="$BENCH_TMP/app.jar"
	cp "$BENCH_SOURCE_JAR" "$BENCH_JAR" || bench_die "cannot copy $BENCH_SOURCE_JAR"
	bench_log "jar copied from $BENCH_SOURCE_JAR"
}

# Switch to one of the servers: a private copy of its jar (built with `mvn install` if missing) and,
# with BENCH_LAUNCH=mvn, a private copy of the sample-app module (its pom, the project pom as its
# parent, and src), compiled once here with the JDK of JAVA so that each spring-boot:run only
# starts. The module's dependencies (the starter) resolve from the local Maven repository.
bench_use_server() { # tomcat|jetty|netty|jpa
	local name=$1
	[[ -n ${BENCH_SERVER_JARS[$name]:-} ]] || bench_die "unknown server '$name' (tomcat, jetty, netty, jpa)"
	[[ $BENCH_LAUNCH == jar || $name == tomcat ]] || bench_die "LAUNCH=mvn runs the sample (SERVER=tomcat) only"
	BENCH_SERVER=$name
	BENCH_SOURCE_JAR=$BENCH_ROOT/${BENCH_SERVER_JARS[$name]}
	if [[ ! -f $BENCH_SOURCE_JAR ]]; then
		bench_log "building (missing $BENCH_SOURCE_JAR): cd $BENCH_ROOT && mvn -B -q install -DskipTests"
		(cd "$BENCH_ROOT" && mvn -B -q install -DskipTests) >"$BENCH_TMP/build.log" 2>&1 \
			|| { tail -n 30 "$BENCH_TMP/build.log" >&2; bench_die "build failed"; }
		[[ -f $BENCH_SOURCE_JAR ]] || bench_die "the build made no $BENCH_SOURCE_JAR"
	fi
	BENCH_JAR="$BENCH_TMP/$name.jar"
	cp "$BENCH_SOURCE_JAR" "$BENCH_JAR" || bench_die "cannot copy $BENCH_SOURCE_JAR"
	bench_log "$name: jar copied from $BENCH_SOURCE_JAR"
	if [[ $BENCH_LAUNCH == mvn && -z $BENCH_MODULE ]]; then
		local dir="$BENCH_TMP/mvn"
		mkdir -p "$dir/sample-app" || bench_die "mkdir $dir failed"
		if ! { cp "$BENCH_ROOT/pom.xml" "$dir/pom.xml" && cp "$BENCH_ROOT/sample-app/pom.xml" "$dir/sample-app/pom.xml" \
			&& cp -r "$BENCH_ROOT/sample-app/src" "$dir/sample-app/src"; }; then
			bench_die "cannot copy the sample-app module"
		fi
		BENCH_MODULE="$dir/sample-app"
		bench_log "compiling the private copy $BENCH_MODULE (JAVA_HOME=$(bench_java_home), mvn -o test-compile)"
		JAVA_HOME=$(bench_java_home) mvn -B -q -o -f "$BENCH_MODULE/pom.xml" test-compile >"$BENCH_TMP/mvn-compile.log" 2>&1 \
			|| { tail -n 30 "$BENCH_TMP/mvn-compile.log" >&2; bench_die "mvn test-compile of $BENCH_MODULE failed"; }
	fi
}

# Manifest entries that would open JDK internals to the app (Add-Opens, Enable-Native-Access...).
bench_jar_manifest_flags() { # jar
	local m
	if command -v unzip >/dev/null 2>&1; then
		m=$(unzip -p "$1" META-INF/MANIFEST.MF 2>/dev/null)
	else
		m=$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("META-INF/MANIFEST.MF").decode())' "$1" 2>/dev/null)
	fi
	m=$(grep -iE '^(Add-Opens|Add-Exports|Enable-Native-Access|Launcher-Agent-Class):' <<<"$m" | tr -d '\r' | paste -sd';')
	echo "${m:-none}"
}

bench_cleanup() {
	local rc=$?
	trap - INT TERM HUP
	if [[ -n $BENCH_LOAD_PID ]]; then
		kill -TERM "$BENCH_LOAD_PID" 2>/dev/null
		wait "$BENCH_LOAD_PID" 2>/dev/null
		BENCH_LOAD_PID=""
	fi
	local pid
	for pid in "${BENCH_MASTERS[@]}"; do
		[[ -n $pid ]] && bench_stop_server "$pid"
	done
	bench_kill_children
	if [[ -n $BENCH_TMP && -d $BENCH_TMP ]]; then
		if [[ $BENCH_KEEP_TMP == 1 || $rc -ne 0 ]]; then
			rm -f "$BENCH_TMP"/*.jar
			rm -rf "$BENCH_TMP/mvn/sample-app/target"
			bench_log "logs kept in $BENCH_TMP"
		else
			rm -rf "$BENCH_TMP"
		fi
	fi
	return "$rc"
}

# --- ports ------------------------------------------------------------------------------------

# A free ephemeral TCP port on 127.0.0.1 (bound then released: a small race is possible).
bench_free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' \
			&& return
	fi
	local lo hi p i
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	for ((i = 0; i < 200; i++)); do
		p=$((lo + RANDOM % (hi - lo)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	bench_die "no free port found"
}

# --- processes --------------------------------------------------------------------------------

_bench_is_ours() { # pid: still alive and started by this run (BENCH_OWNER in its environment)?
	local pid=$1
	[[ -n $BENCH_TMP && -r /proc/$pid/environ ]] || return 1
	# (2>/dev/null first: the process may exit between the test and the read)
	tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF -- "BENCH_OWNER=$BENCH_TMP" && return 0
	tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$BENCH_TMP/"
}

# Remember the current children (workers) of one of our masters.
bench_record_children() {
	local master=$1 c
	for c in $(pgrep -P "$master" 2>/dev/null); do
		_bench_is_ours "$c" && BENCH_CHILDREN[$c]=1
	done
}

# Is this server (master or Maven JVM) still running? A master forked by Maven is not our child:
# check that the PID is still ours rather than only alive.
bench_alive() { # pid
	if [[ -n ${BENCH_LAUNCHER_OF[$1]:-} ]]; then _bench_is_ours "$1"; else kill -0 "$1" 2>/dev/null; fi
}

# The PIDs whose CPU time is ours: the Maven JVM (mvn launch), the master and its current workers.
bench_server_pids() { # master
	local m=$1
	[[ -n ${BENCH_LAUNCHER_OF[$m]:-} ]] && echo "${BENCH_LAUNCHER_OF[$m]}"
	echo "$m"
	pgrep -P "$m" 2>/dev/null
}

_bench_start() { # name port args... -> BENCH_SERVER_PID, BENCH_SERVER_LOG
	local name=$1 port=$2 a
	shift 2
	BENCH_SERVER_LOG="$BENCH_TMP/$BENCH_SERVER-$name-$port.log"
	if [[ $BENCH_LAUNCH == jar ]]; then
		# shellcheck disable=SC2086  # JAVA_OPTS is a word list on purpose
		BENCH_OWNER=$BENCH_TMP "$BENCH_JAVA" ${JAVA_OPTS:-} -jar "$BENCH_JAR" --server.port="$port" --server.address=127.0.0.1 "$@" \
			>"$BENCH_SERVER_LOG" 2>&1 </dev/null &
		BENCH_SERVER_PID=$!
		BENCH_MASTERS+=("$BENCH_SERVER_PID")
		bench_log "started $BENCH_SERVER $name pid $BENCH_SERVER_PID on 127.0.0.1:$port ($BENCH_JAVA -jar)"
		return 0
	fi
	# mvn spring-boot:run: the arguments travel as one space-separated property
	for a in "$@"; do
		[[ $a != *[[:space:]\"\']* ]] || bench_die "LAUNCH=mvn: argument '$a' has a space or a quote"
	done
	local args="--server.port=$port --server.address=127.0.0.1${*:+ $*}" mvn_pid master="" deadline
	BENCH_OWNER=$BENCH_TMP JAVA_HOME=$(bench_java_home) mvn -B -q -o -f "$BENCH_MODULE/pom.xml" spring-boot:run \
		${JAVA_OPTS:+"-Dspring-boot.run.jvmArguments=$JAVA_OPTS"} "-Dspring-boot.run.arguments=$args" \
		>"$BENCH_SERVER_LOG" 2>&1 </dev/null &
	mvn_pid=$!
	BENCH_MASTERS+=("$mvn_pid")
	BENCH_SERVER_PID=$mvn_pid
	bench_log "started $BENCH_SERVER $name: mvn spring-boot:run pid $mvn_pid on 127.0.0.1:$port (JAVA_HOME=$(bench_java_home))"
	# The master is the JVM that the Maven JVM forks (RunMojo): its child that carries our BENCH_OWNER.
	deadline=$((SECONDS + BENCH_STARTUP_TIMEOUT))
	while ((SECONDS < deadline)) && kill -0 "$mvn_pid" 2>/dev/null; do
		for a in $(pgrep -P "$mvn_pid" 2>/dev/null); do
			if _bench_is_ours "$a"; then master=$a; break 2; fi
		done
		sleep 0.2
	done
	if [[ -z $master ]]; then
		bench_log "mvn pid $mvn_pid forked no master (exited or not within ${BENCH_STARTUP_TIMEOUT}s)"
		return 0 # the caller's readiness wait sees it (BENCH_SERVER_PID is the Maven JVM)
	fi
	local i
	for i in "${!BENCH_MASTERS[@]}"; do
		[[ ${BENCH_MASTERS[$i]} == "$mvn_pid" ]] && BENCH_MASTERS[i]=$master
	done
	BENCH_LAUNCHER_OF[$master]=$mvn_pid
	BENCH_SERVER_PID=$master
	bench_log "$BENCH_SERVER $name: master pid $master (forked by mvn pid $mvn_pid: $(readlink "/proc/$master/exe" 2>/dev/null))"
}

bench_start_cluster() { # port workers [app args...]
	local port=$1 workers=$2
	shift 2
	_bench_start "cluster$workers" "$port" --cluster.workers="$workers" "$@"
}

bench_start_single() { # port [app args...]
	local port=$1
	shift
	_bench_start single "$port" --cluster.enabled=false "$@"
}

# Wait until GET url answers 200 (the server pid must stay alive meanwhile).
bench_wait_http_ok() { # pid log url
	local pid=$1 log=$2 url=$3 deadline=$((SECONDS + BENCH_STARTUP_TIMEOUT))
	while ((SECONDS < deadline)); do
		bench_alive "$pid" || { tail -n 30 "$log" >&2; bench_die "server pid $pid exited during startup"; }
		[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) == 200 ]] && return 0
		sleep 0.5
	done
	tail -n 30 "$log" >&2
	bench_die "$url not ready after ${BENCH_STARTUP_TIMEOUT}s"
}

# Ready = the master logged "Starting N workers on port P", then N "READY in" lines, and GET path
# answers 200 (path: the server's BENCH_SERVER_PATH, / unless told).
bench_wait_cluster_ready() { # pid log port workers [path]
	local pid=$1 log=$2 port=$3 workers=$4 path=${5:-${BENCH_SERVER_PATH[$BENCH_SERVER]:-/}}
	local deadline=$((SECONDS + BENCH_STARTUP_TIMEOUT)) ready
	while ((SECONDS < deadline)); do
		bench_alive "$pid" || { tail -n 30 "$log" >&2; bench_die "master pid $pid exited during startup"; }
		bench_record_children "$pid"
		if grep -q "Starting $workers workers on port $port" "$log"; then
			# master lines only (worker output is prefixed "[worker-N pid]")
			ready=$(grep -v '^\[worker-' "$log" | grep -c 'READY in')
			if ((ready >= workers)); then
				bench_wait_http_ok "$pid" "$log" "http://127.0.0.1:$port$path"
				bench_record_children "$pid"
				return 0
			fi
		fi
		sleep 0.5
	done
	tail -n 30 "$log" >&2
	bench_die "cluster on port $port not ready after ${BENCH_STARTUP_TIMEOUT}s"
}

# SIGTERM a server we started, wait for it, SIGKILL it (and its workers) if it hangs. For a master
# forked by Maven: SIGTERM the master (the cluster's graceful stop), then wait for the Maven JVM,
# which ends with its forked process; the status returned is Maven's (0 when the master exited 0).
bench_stop_server() { # pid
	local pid=$1 deadline i launcher rc
	[[ -n $pid ]] || return 0
	launcher=${BENCH_LAUNCHER_OF[$pid]:-}
	if [[ -z $launcher ]]; then
		# a Maven JVM whose master we never saw: look once more before stopping it
		for i in $(pgrep -P "$pid" 2>/dev/null); do
			if [[ $BENCH_LAUNCH == mvn ]] && _bench_is_ours "$i"; then
				BENCH_LAUNCHER_OF[$i]=$pid launcher=$pid pid=$i
				break
			fi
		done
	fi
	bench_record_children "$pid"
	if bench_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		deadline=$((SECONDS + BENCH_STOP_TIMEOUT))
		while bench_alive "$pid" && ((SECONDS < deadline)); do
			bench_record_children "$pid"
			sleep 0.2
		done
		if bench_alive "$pid"; then
			bench_log "pid $pid did not stop in ${BENCH_STOP_TIMEOUT}s: SIGKILL"
			bench_record_children "$pid"
			kill -KILL "$pid" 2>/dev/null
		fi
	fi
	if [[ -n $launcher ]]; then
		deadline=$((SECONDS + 30))
		while kill -0 "$launcher" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
		if kill -0 "$launcher" 2>/dev/null; then
			bench_log "mvn pid $launcher still running 30 s after its master ended: SIGTERM"
			kill -TERM "$launcher" 2>/dev/null
			deadline=$((SECONDS + 10))
			while kill -0 "$launcher" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
			kill -0 "$launcher" 2>/dev/null && kill -KILL "$launcher" 2>/dev/null
		fi
		wait "$launcher" 2>/dev/null
		rc=$?
		unset 'BENCH_LAUNCHER_OF[$pid]'
	else
		wait "$pid" 2>/dev/null
		rc=$?
	fi
	for i in "${!BENCH_MASTERS[@]}"; do
		[[ ${BENCH_MASTERS[$i]} == "$pid" || ${BENCH_MASTERS[$i]} == "$launcher" ]] && unset 'BENCH_MASTERS[i]'
	done
	bench_kill_children
	return "$rc"
}

# Workers outlive a master only if something went wrong: give them a few seconds, then stop them.
bench_kill_children() {
	local c deadline=$((SECONDS + 5)) alive
	while ((SECONDS < deadline)); do
		alive=0
		for c in "${!BENCH_CHILDREN[@]}"; do _bench_is_ours "$c" && alive=1; done
		((alive)) || break
		sleep 0.2
	done
	for c in "${!BENCH_CHILDREN[@]}"; do
		if _bench_is_ours "$c"; then
			bench_log "worker pid $c outlived its master: SIGTERM"
			kill -TERM "$c" 2>/dev/null
		fi
	done
	deadline=$((SECONDS + 10))
	for c in "${!BENCH_CHILDREN[@]}"; do
		while _bench_is_ours "$c" && ((SECONDS < deadline)); do sleep 0.2; done
		if _bench_is_ours "$c"; then
			bench_log "worker pid $c still alive: SIGKILL"
			kill -KILL "$c" 2>/dev/null
		fi
		unset 'BENCH_CHILDREN[$c]'
	done
}

# --- load generator ---------------------------------------------------------------------------

# LOADGEN=wrk|ab forces one; otherwise wrk (installed from Debian if missing), else ab.
bench_ensure_loadgen() {
	local want=${LOADGEN:-}
	if [[ -z $want || $want == wrk ]]; then
		if ! command -v wrk >/dev/null 2>&1; then
			bench_log "installing wrk (apt-get)"
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >"$BENCH_TMP/apt-wrk.log" 2>&1
		fi
		if command -v wrk >/dev/null 2>&1; then
			BENCH_LOADGEN=wrk
			return 0
		fi
		[[ $want == wrk ]] && bench_die "wrk not available (see $BENCH_TMP/apt-wrk.log)"
		bench_log "wrk could not be installed: falling back to ab"
	fi
	if ! command -v ab >/dev/null 2>&1; then
		bench_log "installing ab (apache2-utils)"
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2-utils; } >"$BENCH_TMP/apt-ab.log" 2>&1
	fi
	command -v ab >/dev/null 2>&1 || bench_die "neither wrk nor ab available"
	BENCH_LOADGEN=ab
}

bench_loadgen_version() {
	case $BENCH_LOADGEN in
	wrk) wrk -v 2>&1 | head -n 1 ;;
	ab) ab -V 2>&1 | head -n 1 ;;
	esac
}

# Run the load generator against url for `seconds`, in the background so traps fire at once.
# Sets LOAD_RPS, LOAD_REQUESTS, LOAD_NON2XX, LOAD_SOCKERR (text), LOAD_SOCKERR_TOTAL, LOAD_OUT (file).
bench_load() { # url seconds connections threads
	local url=$1 secs=$2 conns=$3 threads=$4 rc
	[[ $url == http://127.0.0.1:* ]] || bench_die "refusing to load $url (127.0.0.1 only)"
	LOAD_OUT="$BENCH_TMP/load-$(date +%s%N).txt"
	case $BENCH_LOADGEN in
	wrk) wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 10s "$url" >"$LOAD_OUT" 2>&1 & ;;
	ab) ab -k -q -c "$conns" -t "$secs" -n 100000000 -s 10 "$url" >"$LOAD_OUT" 2>&1 & ;;
	esac
	BENCH_LOAD_PID=$!
	wait "$BENCH_LOAD_PID"
	rc=$?
	BENCH_LOAD_PID=""
	LOAD_RPS=0 LOAD_REQUESTS=0 LOAD_NON2XX=0 LOAD_SOCKERR="none" LOAD_SOCKERR_TOTAL=0
	case $BENCH_LOADGEN in
	wrk)
		LOAD_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$LOAD_OUT")
		LOAD_REQUESTS=$(awk '/ requests in / {print $1}' "$LOAD_OUT")
		LOAD_NON2XX=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$LOAD_OUT")
		local se
		se=$(sed -n 's/^ *Socket errors: *//p' "$LOAD_OUT")
		if [[ -n $se ]]; then
			LOAD_SOCKERR=$se
			LOAD_SOCKERR_TOTAL=$(grep -o '[0-9]\+' <<<"$se" | awk '{s += $1} END {print s + 0}')
		fi
		;;
	ab)
		LOAD_RPS=$(awk '/^Requests per second:/ {print $4}' "$LOAD_OUT")
		LOAD_REQUESTS=$(awk '/^Complete requests:/ {print $3}' "$LOAD_OUT")
		LOAD_NON2XX=$(awk '/^Non-2xx responses:/ {print $3}' "$LOAD_OUT")
		local failed
		failed=$(awk '/^Failed requests:/ {print $3}' "$LOAD_OUT")
		[[ -n $failed && $failed != 0 ]] && { LOAD_SOCKERR="failed $failed"; LOAD_SOCKERR_TOTAL=$failed; }
		;;
	esac
	LOAD_RPS=${LOAD_RPS:-0} LOAD_REQUESTS=${LOAD_REQUESTS:-0} LOAD_NON2XX=${LOAD_NON2XX:-0}
	if [[ $rc -ne 0 || $LOAD_RPS == 0 ]]; then
		bench_log "$BENCH_LOADGEN exited $rc on $url:"
		cat "$LOAD_OUT" >&2
	fi
	return 0
}

# --- machine ----------------------------------------------------------------------------------

bench_loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# CPU busy % of the whole machine over `seconds` (all cores), from /proc/stat.
bench_cpu_busy() { # seconds
	local a b
	a=$(head -n 1 /proc/stat)
	sleep "${1:-1}"
	b=$(head -n 1 /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN {
		n = split(a, x); split(b, y); t = 0; idle = 0
		for (i = 2; i <= n; i++) t += y[i] - x[i]
		idle = (y[5] - x[5]) + (y[6] - x[6])
		printf "%.0f", (t > 0) ? 100 * (t - idle) / t : 0 }'
}

# CPU accounting around a measurement, to tell a disturbed figure from a clean one on a shared
# machine:  bench_cpu_begin PID...; <run the load>; bench_cpu_end PID...
# PIDs are the servers' (bench_server_pids: Maven JVM, master and workers; a worker that exits
# meanwhile is counted through its master's cutime/cstime once reaped); the load generator is counted
# as a reaped child of this shell (bash `times`). Sets, in % of all CPUs over the window:
#   CPU_OURS_PCT   servers + load generator
#   CPU_OTHER_PCT  user+system time of every other process (someone else's build, tests...)
#   CPU_STEAL_PCT  time the hypervisor gave to other guests
_bench_cpu_sample() { # pids...
	local _c u n s i w irq sirq st p rest ours=0 line2
	local -a pf
	read -r _c u n s i w irq sirq st _ </proc/stat
	_S_BUSY=$((u + n + s)) _S_STEAL=$st _S_TOTAL=$((u + n + s + i + w + irq + sirq + st))
	for p in "$@"; do
		[[ -r /proc/$p/stat ]] || continue
		rest=$(<"/proc/$p/stat") || continue
		rest=${rest##*) }
		read -r -a pf <<<"$rest"
		# utime, stime (fields 14, 15) and cutime, cstime (16, 17): the time of reaped children,
		# so a worker that exits during the window (rolling restart) still counts as ours
		ours=$((ours + pf[11] + pf[12] + pf[13] + pf[14]))
	done
	_S_OURS=$ours
	times >"$BENCH_TMP/.times" # no subshell: children of *this* shell
	line2=$(sed -n 2p "$BENCH_TMP/.times")
	_S_KIDS=$(awk '{t = 0; for (i = 1; i <= NF; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] } printf "%d", t * 100}' <<<"$line2")
}

bench_cpu_begin() {
	_bench_cpu_sample "$@"
	_B_BUSY=$_S_BUSY _B_STEAL=$_S_STEAL _B_TOTAL=$_S_TOTAL _B_OURS=$_S_OURS _B_KIDS=$_S_KIDS
}

bench_cpu_end() {
	_bench_cpu_sample "$@"
	local total=$((_S_TOTAL - _B_TOTAL)) ours=$((_S_OURS - _B_OURS + _S_KIDS - _B_KIDS))
	local other=$((_S_BUSY - _B_BUSY - ours))
	((total > 0)) || total=1
	((other > 0)) || other=0
	CPU_OURS_PCT=$((100 * ours / total))
	CPU_OTHER_PCT=$((100 * other / total))
	CPU_STEAL_PCT=$((100 * (_S_STEAL - _B_STEAL) / total))
}
