#!/usr/bin/env bash
# run_all.sh: the assignment's steps 6 and 7 in one command. It builds the
# three programs, starts four async_servers (9002-9005), the lb (44444) and
# the thread server (46000), load-tests them with ApacheBench (ab), and
# writes RESULTS.md, the chart and the raw ab outputs in dokumentasi/.
# Everything it starts is stopped when it ends, however it ends.
set -euo pipefail
cd "$(dirname "$0")"

readonly ASYNC_PORTS=(9002 9003 9004 9005) LB_PORT=44444 THREAD_PORT=46000
readonly PY_LB_PORT=44445 PY_THREAD_PORT=8889 # lb.py's backends are fixed at 9002-9005
readonly NGX_LB_PORT=44446 NGX_STATIC_PORT=46001
# compare mode: each program once more with -procs 0 (one thread per core)
readonly LB0_PORT=44447 ASYNC0_PORT=9006 THREAD0_PORT=46002
readonly DOC=dokumentasi LOGS=logs
readonly LEVELS=(1 10 50 100)

usage() {
    cat <<'EOF'
usage: ./run_all.sh [--quick] [--python DIR]  benchmark everything, write RESULTS.md and dokumentasi/
       ./run_all.sh serve                     run the six programs in this terminal until Ctrl-C
       ./run_all.sh screenshot                headless Chromium: dokumentasi/web.png and dokumentasi/log.txt
       ./run_all.sh compare                   against nginx: the "Against nginx" section of RESULTS.md

  --quick       small runs (-n 200) and no C10K: the whole pipeline in well under a minute
  --python DIR  also run the course's Python originals from DIR (async_server.py, lb.py,
                http.py, page.html from progjar6, and server_thread_http.py from progjar5)
  --dry-run     print the programs and the ab commands the run would use; start nothing
EOF
}

say() { printf '%s\n' "$*" >&2; }
die() {
    say "run_all.sh: $*"
    exit 1
}

mode=bench quick=0 pydir="" dry=0
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) quick=1 ;;
    --dry-run) dry=1 ;;
    --python)
        [ $# -ge 2 ] || die "--python needs a directory"
        pydir=$2
        shift
        ;;
    serve | screenshot | compare) mode=$1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        die "unknown argument: $1"
        ;;
    esac
    shift
done

# --- what the script needs ---------------------------------------------------

need_go() {
    command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
    command -v go >/dev/null || die "Go is needed to build the programs: install it from https://go.dev/dl/ (1.26 or later)"
}

need_ab() {
    command -v ab >/dev/null && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "ab (ApacheBench) is missing: installing apache2-utils with apt-get"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2-utils; } >/dev/null ||
            die "apt-get could not install apache2-utils"
    fi
    command -v ab >/dev/null || die "ab (ApacheBench) is needed: install it, e.g. 'sudo apt-get install apache2-utils' (Debian, Ubuntu) or 'sudo dnf install httpd-tools' (Fedora)"
}

BIN=""
build() {
    BIN=$(mktemp -d)
    say "building into $BIN"
    go build -o "$BIN/" ./async_server ./lb ./server_thread_http ./internal/report
}

# --- ports and programs --------------------------------------------------------

# port_taken PORT: is a socket here bound to PORT, listening or connected?
# (Sockets in TIME-WAIT do not count: the programs listen with SO_REUSEADDR.)
port_taken() {
    if command -v ss >/dev/null; then
        [ -n "$(ss -Htan exclude time-wait "( sport = :$1 )" 2>/dev/null)" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# listening PORT: does a program listen on PORT? Asked of ss when there is
# one, so that no connection is made (it would take the lb's first turn).
listening() {
    if command -v ss >/dev/null; then
        [ -n "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# check_ports PORT...: refuse, naming the port, if one is taken. Ports from
# 32768 up can be held for a moment by an outgoing connection, so each is
# looked at three times, a second apart, before giving up.
check_ports() {
    local p i
    for p in "$@"; do
        for i in 1 2 3; do
            port_taken "$p" || continue 2
            [ "$i" = 3 ] || sleep 1
        done
        die "port $p is already taken; 'ss -tanp \"sport = :$p\"' shows by whom. Stop that program (or wait a moment, if it is a passing outgoing connection) and run again."
    done
}

declare -a PIDS=() NAMES=()
declare -A PID_OF=()

# start NAME PORT COMMAND...: run a program with its log in logs/NAME.log
# and wait until its port answers.
start() {
    local name=$1 port=$2
    shift 2
    "$@" >"$LOGS/$name.log" 2>&1 &
    PIDS+=($!)
    NAMES+=("$name")
    PID_OF[$name]=$!
    wait_port "$name" "$port" "$!"
}

wait_port() {
    local name=$1 port=$2 pid=$3 i
    for i in $(seq 100); do
        listening "$port" && return
        kill -0 "$pid" 2>/dev/null || die "$name exited at start: $(tail -n 3 "$LOGS/$name.log")"
        sleep 0.1
    done
    die "$name did not open port $port within 10 s; its log is $LOGS/$name.log"
}

# stop_all: SIGTERM (the programs finish what is in flight and exit), then
# SIGKILL for anything still there after 7 s.
stop_all() {
    local pid i
    [ ${#PIDS[@]} -gt 0 ] || return 0
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for i in $(seq 70); do
            kill -0 "$pid" 2>/dev/null || continue 2
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    PIDS=() NAMES=()
    PID_OF=()
}

cleanup() {
    stop_all
    [ -z "$BIN" ] || rm -rf "$BIN"
}
trap cleanup EXIT
trap 'say "interrupted: stopping everything"; exit 130' INT TERM

start_ours() {
    local p
    for p in "${ASYNC_PORTS[@]}"; do start "async_server_$p" "$p" "$BIN/async_server" "$p"; done
    start lb "$LB_PORT" "$BIN/lb" "$LB_PORT"
    start server_thread_http "$THREAD_PORT" "$BIN/server_thread_http" "$THREAD_PORT"
}

raise_nofile() {
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

# --- measuring -----------------------------------------------------------------

STEP=0 STEPS=0

# bench SECTION TARGET C N PORT FILE [PID]: one ab run, recorded in the
# manifest; with PID, also the program's peak memory and whether it still
# answers afterwards. URL_PATH and ROUND, when set, change the path asked
# for (default /) and the round recorded (default 1). CPU_PIDS, when set,
# are the target's processes: the CPU time they use during the run
# (user and system, in clock ticks, from /proc/PID/stat) is recorded too.
bench() {
    local section=$1 target=$2 c=$3 n=$4 port=$5 file=$6 pid=${7:-} rss="" up="" cpu0="" cpu1=""
    local cmd=(ab -n "$n" -c "$c" -r -k -s 99999 "http://127.0.0.1:$port${URL_PATH:-/}")
    STEP=$((STEP + 1))
    if [ "$dry" = 1 ]; then
        printf '%s\n' "${cmd[*]}"
        return
    fi
    say "[$STEP/$STEPS] $target c=$c n=$n${ROUND:+ round $ROUND}"
    [ -z "${CPU_PIDS:-}" ] || cpu0=$(cpu_ticks $CPU_PIDS)
    "${cmd[@]}" >"$DOC/$file" 2>&1 || say "  ab exited with status $? (see $DOC/$file)"
    [ -z "${CPU_PIDS:-}" ] || cpu1=$(cpu_ticks $CPU_PIDS)
    if [ -n "$pid" ]; then
        rss=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        if answers "$port"; then up=yes; else up=no; fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$target" "$c" "$n" "${ROUND:-1}" "$file" "$rss" "$up" \
        "$(cpu_delta "$cpu0" "$cpu1" 1)" "$(cpu_delta "$cpu0" "$cpu1" 2)" >>"$DOC/runs.tsv"
}

# cpu_ticks PID...: the user and system CPU time the processes have used,
# summed, in clock ticks (fields 14 and 15 of /proc/PID/stat; the command
# name before them is in parentheses and may hold spaces). The report
# program reads the line, so that the arithmetic is tested.
cpu_ticks() {
    "$BIN/report" -cputicks "$@"
}

# cpu_delta BEFORE AFTER FIELD: the growth of field 1 (user) or 2 (system)
# of two cpu_ticks lines; empty when either is missing.
cpu_delta() {
    [ -n "$1" ] && [ -n "$2" ] || return 0
    echo $(($(cut -d' ' -f"$3" <<<"$2") - $(cut -d' ' -f"$3" <<<"$1")))
}

# new_manifest keep|drop SECTION...: start the manifest anew, keeping (or
# dropping) the runs of the SECTIONs, and remove the raw outputs of the
# others.
new_manifest() {
    local how=$1 old="" keep line f sec
    shift
    [ ! -f "$DOC/runs.tsv" ] || old=$(grep -v '^#' "$DOC/runs.tsv" || true)
    printf '# section\ttarget\tconcurrency\trequests\tround\tfile\tpeak_rss_kib\tup\tcpu_user_ticks\tcpu_sys_ticks\n' >"$DOC/runs.tsv"
    [ -n "$old" ] || return 0
    while IFS= read -r line; do
        keep=0
        for sec in "$@"; do [ "${line%%$'\t'*}" != "$sec" ] || keep=1; done
        [ "$how" = keep ] || keep=$((1 - keep))
        if [ "$keep" = 1 ]; then
            printf '%s\n' "$line" >>"$DOC/runs.tsv"
        else
            f=$(printf '%s\n' "$line" | cut -f6)
            [ -z "$f" ] || rm -f "$DOC/$f"
        fi
    done <<<"$old"
}

# answers PORT: does the server there answer a request?
answers() {
    local line
    line=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET / HTTP/1.0\r\n\r\n' >&3 &&
        IFS= read -r -t 10 l <&3 && printf '%s' "$l") 2>/dev/null || true)
    [[ $line == "HTTP/1."* ]]
}

meta() {
    local cpu mem keep=""
    [ ! -f "$DOC/meta.tsv" ] || keep=$(grep '^nginx' "$DOC/meta.tsv" || true)
    cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
    mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)
    {
        printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
        printf 'mode\t%s\n' "$MODE_NOTE"
        printf 'cpu\t%s\n' "${cpu:-unknown}"
        printf 'cores\t%s\n' "$(nproc 2>/dev/null || echo unknown)"
        printf 'memory\t%s\n' "${mem:-unknown}"
        printf 'os\t%s\n' "$(uname -sr)"
        printf 'go\t%s\n' "$(go version | awk '{print $3, $4}')"
        printf 'ab\t%s\n' "$(ab -V | head -n 1 | sed 's/This is //; s/ <.*//')"
        printf 'nofile\t%s\n' "$(ulimit -n)"
        printf 'clk_tck\t%s\n' "$(getconf CLK_TCK 2>/dev/null || echo 100)"
        printf 'somaxconn\t%s\n' "$(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo unknown)"
        [ -z "$PY_NOTE" ] || printf 'python\t%s\n' "$PY_NOTE"
        [ -z "$keep" ] || printf '%s\n' "$keep"
    } >"$DOC/meta.tsv"
}

# python_ok DIR: can the course's originals run here? Sets PY_NOTE if not.
PY_NOTE=""
python_ok() {
    local f
    command -v python3 >/dev/null || {
        PY_NOTE="Skipped: python3 is not installed."
        return 1
    }
    python3 -c 'import asyncore' 2>/dev/null || {
        PY_NOTE="Skipped: this python3 ($(python3 -V 2>&1)) has no asyncore module (it left Python in 3.12)."
        return 1
    }
    for f in async_server.py lb.py http.py server_thread_http.py; do
        [ -f "$1/$f" ] || {
            PY_NOTE="Skipped: $1 has no $f."
            return 1
        }
    done
}

# python_thread_requests N: how many requests the Python thread server gets
# at each level: a tenth of N (each finished connection leaves it a
# spinning thread, so it slows down as it goes), but never fewer than the
# highest concurrency, which ab refuses.
python_thread_requests() {
    local tn=$(($1 / 10)) c
    for c in "${LEVELS[@]}"; do [ "$tn" -ge "$c" ] || tn=$c; done
    echo "$tn"
}

run_python() {
    local dir=DIR c p n=$1 tn=$2
    if [ "$dry" = 0 ]; then
        dir=$(mktemp -d)
        cp "$pydir"/*.py "$dir/"
        [ ! -f "$pydir/page.html" ] || cp "$pydir/page.html" "$dir/"
    fi
    check_ports "${ASYNC_PORTS[@]}" "$PY_LB_PORT" "$PY_THREAD_PORT"
    for p in "${ASYNC_PORTS[@]}"; do start "py_async_server_$p" "$p" bash -c "cd '$dir' && exec python3 async_server.py $p"; done
    start py_lb "$PY_LB_PORT" bash -c "cd '$dir' && exec python3 lb.py $PY_LB_PORT"
    for c in "${LEVELS[@]}"; do bench python py_lb "$c" "$n" "$PY_LB_PORT" "py_lb_$c.txt"; done
    for c in "${LEVELS[@]}"; do bench python py_async "$c" "$n" 9002 "py_async_$c.txt"; done
    # Each finished connection leaves the thread server a spinning thread,
    # so it gets a fresh start (and fewer requests) for each level.
    for c in "${LEVELS[@]}"; do
        start py_thread "$PY_THREAD_PORT" bash -c "cd '$dir' && exec python3 server_thread_http.py"
        bench python py_thread "$c" "$tn" "$PY_THREAD_PORT" "py_thread_$c.txt"
        [ "$dry" = 1 ] || kill -KILL "${PID_OF[py_thread]}" 2>/dev/null || true
        [ "$dry" = 1 ] || wait "${PID_OF[py_thread]}" 2>/dev/null || true
        check_ports "$PY_THREAD_PORT"
    done
    stop_all
    [ "$dry" = 1 ] || rm -rf "$dir"
    PY_NOTE="The Python thread server was restarted before each level, with -n $tn: the kindest measure of it."
}

run_bench() {
    local n=1000 c
    MODE_NOTE=""
    [ "$quick" = 0 ] || {
        n=200
        MODE_NOTE="--quick"
    }
    need_go
    need_ab
    raise_nofile
    if [ -n "$pydir" ]; then
        python_ok "$pydir" && MODE_NOTE="${MODE_NOTE:+$MODE_NOTE }--python DIR" || {
            say "--python skipped: ${PY_NOTE#Skipped: } Going on without it."
            pydir=""
        }
    fi
    check_ports "${ASYNC_PORTS[@]}" "$LB_PORT" "$THREAD_PORT"
    build
    mkdir -p "$LOGS" "$DOC"
    new_manifest keep nginx nginx_cpu
    STEPS=12
    [ "$quick" = 1 ] || STEPS=$((STEPS + 6))
    [ -z "$pydir" ] || STEPS=$((STEPS + 12))

    start_ours
    for c in "${LEVELS[@]}"; do bench main lb "$c" "$n" "$LB_PORT" "lb_$c.txt"; done
    for c in "${LEVELS[@]}"; do bench main thread "$c" "$n" "$THREAD_PORT" "t_$c.txt"; done
    for c in "${LEVELS[@]}"; do bench main async "$c" "$n" 9002 "async_$c.txt"; done
    if [ "$quick" = 0 ]; then
        say "C10K: open-file limit $(ulimit -n) (ab needs more than -c)"
        for c in 1000 10000; do bench c10k thread "$c" 20000 "$THREAD_PORT" "c10k_t_$c.txt" "${PID_OF[server_thread_http]}"; done
        for c in 1000 10000; do bench c10k async "$c" 20000 9002 "c10k_async_$c.txt" "${PID_OF[async_server_9002]}"; done
        for c in 1000 5000; do bench c10k lb "$c" 10000 "$LB_PORT" "c10k_lb_$c.txt" "${PID_OF[lb]}"; done
    fi
    stop_all
    [ -z "$pydir" ] || run_python "$n" "$(python_thread_requests "$n")"
    if [ "$quick" = 0 ] && [ "$dry" = 0 ]; then
        say "Go benchmarks of the HTTP package and of the lb (allocations per request)"
        go test -run '^$' -bench . -benchmem ./httpserver ./lb >"$DOC/gobench.txt" 2>&1 ||
            die "go test -bench failed: see $DOC/gobench.txt"
    fi
    meta
    report "$quick"
}

# report STRICT: write RESULTS.md and the chart from the manifest; with
# STRICT 1, fail if any run failed a request.
report() {
    local strict=()
    [ "$1" = 0 ] || strict=(-strict)
    say "writing RESULTS.md and $DOC/rps.svg"
    "$BIN/report" -runs "$DOC/runs.tsv" -meta "$DOC/meta.tsv" -out RESULTS.md -svg "$DOC/rps.svg" "${strict[@]}"
    say "done: RESULTS.md; raw ab outputs in $DOC/, program logs in $LOGS/"
}

# --- the other modes -------------------------------------------------------------

run_serve() {
    local p
    need_go
    check_ports "${ASYNC_PORTS[@]}" "$LB_PORT" "$THREAD_PORT"
    build
    mkdir -p "$LOGS"
    # Each line of each program's log, prefixed with its name and port.
    for p in "${ASYNC_PORTS[@]}"; do
        "$BIN/async_server" "$p" > >(sed -u "s/^/[async_server :$p] /") 2>&1 &
        PIDS+=($!)
        wait_port async_server "$p" "$!"
    done
    "$BIN/lb" "$LB_PORT" > >(sed -u "s/^/[lb :$LB_PORT] /") 2>&1 &
    PIDS+=($!)
    wait_port lb "$LB_PORT" "$!"
    "$BIN/server_thread_http" "$THREAD_PORT" > >(sed -u "s/^/[server_thread_http :$THREAD_PORT] /") 2>&1 &
    PIDS+=($!)
    wait_port server_thread_http "$THREAD_PORT" "$!"
    say "serving: open http://localhost:$LB_PORT/page.html (Ctrl-C stops everything)"
    wait "${PIDS[@]}" || true
}

find_chromium() {
    local c
    for c in chromium chromium-browser google-chrome; do
        command -v "$c" >/dev/null && {
            command -v "$c"
            return
        }
    done
    return 1
}

run_screenshot() {
    local chrome profile name p
    chrome=$(find_chromium) || {
        say "screenshot skipped: Chromium is not installed (Debian: apt-get install chromium)"
        return 0
    }
    need_go
    check_ports "${ASYNC_PORTS[@]}" "$LB_PORT"
    build
    mkdir -p "$LOGS" "$DOC"
    for p in "${ASYNC_PORTS[@]}"; do start "async_server_$p" "$p" "$BIN/async_server" "$p"; done
    start lb "$LB_PORT" "$BIN/lb" "$LB_PORT"
    local -A before=()
    for name in "${NAMES[@]}"; do before[$name]=$(wc -l <"$LOGS/$name.log"); done
    profile=$(mktemp -d)
    say "loading http://localhost:$LB_PORT/page.html in headless Chromium"
    timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$profile" --window-size=800,480 \
        --screenshot="$DOC/web.png" "http://localhost:$LB_PORT/page.html" >"$LOGS/chromium.log" 2>&1 ||
        die "Chromium failed; see $LOGS/chromium.log"
    rm -rf "$profile"
    sleep 0.5
    {
        echo "# The log lines of one page load of http://localhost:$LB_PORT/page.html, made by ./run_all.sh screenshot."
        echo "# The page and its two pictures (and the browser's favicon.ico) go to the backends in turn."
        for name in "${NAMES[@]}"; do
            echo
            echo "== $name"
            tail -n "+$((before[$name] + 1))" "$LOGS/$name.log" | grep -v '^$' || true
        done
    } >"$DOC/log.txt"
    say "done: $DOC/web.png and $DOC/log.txt"
}

# nginx_conf ROOT LOGDIR: nginx as a round-robin stream (L4) proxy over the
# same four backends, and as a static server of ROOT, one connection per
# request like ours; both log every connection, as ours do.
nginx_conf() {
    cat <<CONF
# The nginx configuration of ./run_all.sh compare (loopback only).
worker_processes 2;  # one per core, as Go's default
daemon off;
pid $2/nginx.pid;
error_log $2/nginx_error.log warn;
load_module $NGX_STREAM_MODULE;
events { worker_connections 16384; }
stream {
    log_format lb '\$time_local \$remote_addr forwarded to \$upstream_addr';
    access_log $2/nginx_stream.log lb;
    upstream backends {  # round robin, as lb
        server 127.0.0.1:${ASYNC_PORTS[0]};
        server 127.0.0.1:${ASYNC_PORTS[1]};
        server 127.0.0.1:${ASYNC_PORTS[2]};
        server 127.0.0.1:${ASYNC_PORTS[3]};
    }
    server {
        listen 127.0.0.1:$NGX_LB_PORT backlog=4096;
        proxy_pass backends;
        proxy_half_close on;  # pass each direction's end on, as lb does
    }
}
http {
    access_log $2/nginx_access.log;
    types { text/html html; text/plain txt; image/png png; image/jpeg jpg; }
    server {
        listen 127.0.0.1:$NGX_STATIC_PORT backlog=4096;
        root $1;
        index page.html;
        keepalive_timeout 0;  # a connection per request, as ours
    }
}
CONF
}

NGX_STREAM_MODULE=""
find_nginx() {
    local m
    command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
    command -v nginx >/dev/null || return 1
    for m in /usr/lib/nginx/modules/ngx_stream_module.so /usr/lib64/nginx/modules/ngx_stream_module.so; do
        [ -f "$m" ] && NGX_STREAM_MODULE=$m && return 0
    done
    return 1
}

run_compare() {
    local rounds=3 n=5000 cpu_n=20000 c r t key port dir=DIR
    find_nginx || {
        say "compare skipped: nginx with its stream module is needed (Debian: apt-get install nginx-light libnginx-mod-stream)"
        return 0
    }
    need_go
    need_ab
    raise_nofile
    check_ports "${ASYNC_PORTS[@]}" "$LB_PORT" "$THREAD_PORT" "$NGX_LB_PORT" "$NGX_STATIC_PORT" "$LB0_PORT" "$ASYNC0_PORT" "$THREAD0_PORT"
    build
    if [ "$dry" = 0 ]; then
        mkdir -p "$LOGS" "$DOC"
        dir=$(mktemp -d)
        nginx_conf "$PWD" "$dir" >"$dir/nginx.conf"
        nginx_conf /path/to/this/repository logs >"$DOC/nginx.conf"
    fi
    start_ours
    # Each program once more with -procs 0: one thread per core instead of
    # its default, one (see the comment on -procs in each program).
    start lb_procs0 "$LB0_PORT" "$BIN/lb" -procs 0 "$LB0_PORT"
    start async_server_procs0 "$ASYNC0_PORT" "$BIN/async_server" -procs 0 "$ASYNC0_PORT"
    start server_thread_http_procs0 "$THREAD0_PORT" "$BIN/server_thread_http" -procs 0 "$THREAD0_PORT"
    start nginx "$NGX_LB_PORT" nginx -p "$dir" -c "$dir/nginx.conf"
    wait_port nginx "$NGX_STATIC_PORT" "${PID_OF[nginx]}"
    # target:port:processes whose CPU time counts (nginx: master and workers)
    local targets=(
        "lb:$LB_PORT:${PID_OF[lb]}" "lb_procs0:$LB0_PORT:${PID_OF[lb_procs0]}"
        "nginx_lb:$NGX_LB_PORT:${PID_OF[nginx]} $(pgrep -P "${PID_OF[nginx]}" | tr '\n' ' ')"
        "async:${ASYNC_PORTS[0]}:${PID_OF[async_server_${ASYNC_PORTS[0]}]}" "async_procs0:$ASYNC0_PORT:${PID_OF[async_server_procs0]}"
        "thread:$THREAD_PORT:${PID_OF[server_thread_http]}" "thread_procs0:$THREAD0_PORT:${PID_OF[server_thread_http_procs0]}"
        "nginx_static:$NGX_STATIC_PORT:${PID_OF[nginx]} $(pgrep -P "${PID_OF[nginx]}" | tr '\n' ' ')"
    )
    new_manifest drop nginx nginx_cpu
    STEPS=$(((${#LEVELS[@]} + 1) * rounds * ${#targets[@]}))
    # Ours and nginx alternate, so a slow moment of this shared machine
    # falls on all; RESULTS.md shows the median of the rounds and their range.
    URL_PATH=/page.html
    for c in "${LEVELS[@]}"; do
        for r in $(seq "$rounds"); do
            ROUND=$r
            for t in "${targets[@]}"; do
                IFS=: read -r key port CPU_PIDS <<<"$t"
                bench nginx "$key" "$c" "$n" "$port" "cmp_${key}_${c}_$r.txt"
            done
        done
    done
    # CPU time per request: a longer run at one concurrency, each target in turn.
    for r in $(seq "$rounds"); do
        ROUND=$r
        for t in "${targets[@]}"; do
            IFS=: read -r key port CPU_PIDS <<<"$t"
            bench nginx_cpu "$key" 50 "$cpu_n" "$port" "cpu_${key}_$r.txt"
        done
    done
    unset URL_PATH ROUND CPU_PIDS
    stop_all
    [ "$dry" = 0 ] || return 0
    cp "$dir"/nginx_*.log "$LOGS/" 2>/dev/null || true
    rm -rf "$dir"
    if [ ! -f "$DOC/meta.tsv" ]; then
        MODE_NOTE=""
        meta
    fi
    grep -v '^nginx' "$DOC/meta.tsv" >"$DOC/meta.tsv.new" || true
    printf 'nginx\t%s, compared on %s\n' "$(nginx -v 2>&1 | sed 's/^nginx version: //')" "$(date -u '+%Y-%m-%d %H:%M UTC')" >>"$DOC/meta.tsv.new"
    mv "$DOC/meta.tsv.new" "$DOC/meta.tsv"
    report 0
}

# --dry-run: the modes run as written, but nothing is built, started or
# measured: each program started and each ab command is printed instead.
if [ "$dry" = 1 ]; then
    need_go() { :; }
    need_ab() { :; }
    raise_nofile() { :; }
    check_ports() { :; }
    build() { BIN='$BIN'; }
    start() {
        printf 'start %s on port %s: %s\n' "$1" "$2" "${*:3}"
        PID_OF[$1]=PID
    }
    wait_port() { :; }
    pgrep() { echo PID; }
    stop_all() { :; }
    new_manifest() { :; }
    meta() { :; }
    report() { :; }
    python_ok() { return 0; }
    find_nginx() { NGX_STREAM_MODULE=ngx_stream_module.so; }
fi

case "$mode" in
bench) run_bench ;;
serve)
    [ "$dry" = 0 ] || die "--dry-run is for the benchmark modes"
    run_serve
    ;;
screenshot)
    [ "$dry" = 0 ] || die "--dry-run is for the benchmark modes"
    run_screenshot
    ;;
compare) run_compare ;;
esac
