#!/usr/bin/env bash
# run_all.sh: the assignment's steps 6 and 7 in one command. It builds the
# three programs, starts four async_servers (9002-9005), the lb (44444) and
# the thread server (46000), load-tests them with ApacheBench (ab), and
# writes RESULTS.md, the chart and the raw ab outputs in dokumentasi/.
# Everything it starts is stopped when it ends, however it ends.
#
# It runs on Linux, macOS and the BSDs, with the bash that macOS ships
# (3.2): no associative arrays, and every array that may be empty is
# expanded as ${a[@]+"${a[@]}"}, which set -u allows there.
set -euo pipefail
cd "$(dirname "$0")"

readonly ASYNC_PORTS=(9002 9003 9004 9005) LB_PORT=44444 THREAD_PORT=46000
readonly PY_LB_PORT=44445 PY_THREAD_PORT=8889 # lb.py's backends are fixed at 9002-9005
readonly NGX_LB_PORT=44446 NGX_STATIC_PORT=46001
# compare mode: each program once more with -procs 1 (one thread)
readonly LB1_PORT=44447 ASYNC1_PORT=9006 THREAD1_PORT=46002
readonly DOC=dokumentasi LOGS=logs
readonly LEVELS=(1 10 50 100)

usage() {
    cat <<'EOF'
usage: ./run_all.sh [--quick] [--python DIR]  benchmark everything, write RESULTS.md and dokumentasi/
       ./run_all.sh serve                     run the six programs in this terminal until Ctrl-C
       ./run_all.sh screenshot                headless Chromium: dokumentasi/web.png and dokumentasi/log.txt
       ./run_all.sh compare                   against nginx: the "Against nginx" section of RESULTS.md
       ./run_all.sh study DIR                 each .py of the course (your checkout DIR) beside its Go: study/index.html
       ./run_all.sh bugs [KEY...]             put each bug of the Python back, one at a time, and run the tests that must fail
       ./run_all.sh bugs --list               each bug row: KEY, its patch, its test command
       ./run_all.sh bugs --keep KEY           leave a copy with KEY's bug back, and say how to run it

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

mode=bench quick=0 pydir="" dry=0 course="" bugargs=()
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
    study)
        [ $# -ge 2 ] || die "study needs the folder of your checkout of the course (git clone https://github.com/rm77/progjar)"
        mode=study course=$2
        shift
        ;;
    bugs)
        mode=bugs
        shift
        bugargs=("$@") # the lab reads its own arguments
        break
        ;;
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
    command -v ab >/dev/null || die "ab (ApacheBench) is needed: install it, e.g. 'sudo apt-get install apache2-utils' (Debian, Ubuntu), 'sudo dnf install httpd-tools' (Fedora), 'pkg install apache24' (FreeBSD); macOS has it as /usr/sbin/ab"
}

BIN=""
build() {
    BIN=$(mktemp -d)
    say "building into $BIN"
    go build -o "$BIN/" ./async_server ./lb ./server_thread_http ./internal/report
}

# --- ports and programs --------------------------------------------------------

# check_ports PORT...: refuse, naming the port and how to see who holds it,
# if one cannot be listened on. The report helper tries, as the programs
# will (it works where ss does not exist); a port from 32768 up can be held
# for a moment by an outgoing connection, so it tries three times, a second
# apart. It needs the programs built (build).
check_ports() {
    "$BIN/report" -ports-free "$@" || exit 1
}

# The programs started, and their names, index for index (bash 3.2 has no
# associative arrays).
PIDS=() NAMES=()

# pid_of NAME: the process of the program last started as NAME (the
# Python thread server is started anew for each level).
pid_of() {
    local i pid=""
    for i in "${!NAMES[@]}"; do
        [ "${NAMES[$i]}" != "$1" ] || pid=${PIDS[$i]}
    done
    [ -n "$pid" ] || die "no program was started as $1"
    echo "$pid"
}

# start NAME PORT READY COMMAND...: run a program with its log in
# logs/NAME.log and wait until it listens on PORT. READY is log when the
# program says so in its log ("running on port PORT"), as ours and the
# Python's async_server and lb do: no connection is made, which would take
# the lb's first turn. It is connect for the others.
start() {
    local name=$1 port=$2 ready=$3
    shift 3
    "$@" >"$LOGS/$name.log" 2>&1 &
    PIDS+=($!)
    NAMES+=("$name")
    wait_port "$name" "$port" "$!" "$ready"
}

# wait_port NAME PORT PID READY: see start.
wait_port() {
    local name=$1 port=$2 pid=$3 ready=$4 i
    for i in $(seq 100); do
        if [ "$ready" = log ]; then
            grep -q "running on port $port" "$LOGS/$name.log" 2>/dev/null && return
        else
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return
        fi
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
}

# kill_quietly PID: end a program at once (SIGKILL: the Python thread
# server, whose spinning threads have nothing to finish) without bash's
# "Killed" line, which a student would take for a failure: the job is
# disowned first, then waited for, at most 5 s.
kill_quietly() {
    local i
    disown "$1" 2>/dev/null || true
    kill -KILL "$1" 2>/dev/null || return 0
    for i in $(seq 100); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
}

cleanup() {
    stop_all
    [ -z "$BIN" ] || rm -rf "$BIN"
}
trap cleanup EXIT
trap 'say "interrupted: stopping everything"; exit 130' INT TERM

start_ours() {
    local p
    for p in "${ASYNC_PORTS[@]}"; do start "async_server_$p" "$p" log "$BIN/async_server" "$p"; done
    start lb "$LB_PORT" log "$BIN/lb" "$LB_PORT"
    start server_thread_http "$THREAD_PORT" log "$BIN/server_thread_http" "$THREAD_PORT"
}

# raise_nofile: as many open files as this shell may have (ab needs more
# than its -c). macOS reports an unlimited hard limit that it refuses; its
# real one is kern.maxfilesperproc.
raise_nofile() {
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null ||
        ulimit -n "$(sysctl -n kern.maxfilesperproc 2>/dev/null)" 2>/dev/null || true
}

# The C10K runs need ab to hold 10,000 connections at once.
readonly C10K_NOFILE=10240

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
        # The peak, from /proc: where there is none, it is left out (and
        # RESULTS.md says why), never guessed from the memory now.
        rss=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        if answers "$port"; then up=yes; else up=no; fi
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$section" "$target" "$c" "$n" "${ROUND:-1}" "$file" "$rss" "$up" \
        "$(cpu_delta "$cpu0" "$cpu1" 1)" "$(cpu_delta "$cpu0" "$cpu1" 2)" >>"$DOC/runs.tsv"
}

# cpu_ticks PID...: the user and system CPU time the processes have used,
# summed, in clock ticks (fields 14 and 15 of /proc/PID/stat; the command
# name before them is in parentheses and may hold spaces). The report
# program reads the line, so that the arithmetic is tested. Empty where
# there is no /proc (macOS, the BSDs): RESULTS.md then says it was not
# measured.
cpu_ticks() {
    "$BIN/report" -cputicks "$@" 2>/dev/null || true
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

# cores, cpu_model, memory, somaxconn: the machine, from what this system
# has: /proc and nproc on Linux, sysctl on macOS and the BSDs.
cores() {
    nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo unknown
}

cpu_model() {
    local m
    m=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
    [ -n "$m" ] || m=$(sysctl -n machdep.cpu.brand_string 2>/dev/null || sysctl -n hw.model 2>/dev/null || true)
    echo "${m:-unknown}"
}

memory() {
    local bytes
    if [ -r /proc/meminfo ]; then
        awk '/^MemTotal/ {printf "%.1f GiB\n", $2 / 1048576}' /proc/meminfo
        return
    fi
    bytes=$(sysctl -n hw.memsize 2>/dev/null || sysctl -n hw.physmem 2>/dev/null || true)
    if [ -n "$bytes" ]; then
        awk -v b="$bytes" 'BEGIN {printf "%.1f GiB\n", b / 1073741824}'
    else
        echo unknown
    fi
}

somaxconn() {
    cat /proc/sys/net/core/somaxconn 2>/dev/null || sysctl -n kern.ipc.somaxconn 2>/dev/null || echo unknown
}

# meta: write the machine's description and this run's date (and mode)
# into meta.tsv. RAN names the sections this run measured: each gets its
# date (ran_SECTION); a section it did not measure keeps the date of the
# run that did, and its notes, as the manifest keeps its runs.
RAN=""
meta() {
    local old="" keep="" proc=no now sec d
    now="$(date -u '+%Y-%m-%d %H:%M UTC') (./run_all.sh${MODE_NOTE:+ $MODE_NOTE})"
    [ ! -f "$DOC/meta.tsv" ] || old=$(cat "$DOC/meta.tsv")
    [ ! -r /proc/self/stat ] || proc=yes
    {
        printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
        printf 'mode\t%s\n' "$MODE_NOTE"
        printf 'cpu\t%s\n' "$(cpu_model)"
        printf 'cores\t%s\n' "$(cores)"
        printf 'memory\t%s\n' "$(memory)"
        printf 'os\t%s\n' "$(uname -sr)"
        printf 'go\t%s\n' "$(go version | awk '{print $3, $4}')"
        printf 'ab\t%s\n' "$(ab -V | head -n 1 | sed 's/This is //; s/ <.*//')"
        printf 'nofile\t%s\n' "$(ulimit -n)"
        printf 'clk_tck\t%s\n' "$(getconf CLK_TCK 2>/dev/null || echo 100)"
        printf 'somaxconn\t%s\n' "$(somaxconn)"
        printf 'proc\t%s\n' "$proc"
        for sec in main c10k python nginx; do
            case " $RAN " in
            *" $sec "*)
                printf 'ran_%s\t%s\n' "$sec" "$now"
                [ "$sec" != python ] || [ -z "$PY_NOTE" ] || printf 'python\t%s\n' "$PY_NOTE"
                [ "$sec" != c10k ] || [ -z "$C10K_NOTE" ] || printf 'c10k\t%s\n' "$C10K_NOTE"
                ;;
            *)
                # kept: its date (an older meta.tsv has none: its own date), and its notes
                grep -q "^$sec[[:space:]]" "$DOC/runs.tsv" 2>/dev/null || continue
                d=$(printf '%s\n' "$old" | awk -F '\t' -v k="ran_$sec" '$1 == k {print $2}')
                [ -n "$d" ] || [ "$sec" != nginx ] || d=$(printf '%s\n' "$old" | awk -F '\t' '$1 == "nginx" && $2 ~ /, compared on / {sub(/.*, compared on /, "", $2); print $2 " (./run_all.sh compare)"}')
                [ -n "$d" ] || d=$(printf '%s\n' "$old" | awk -F '\t' '$1 == "date" {d = $2} $1 == "mode" {m = $2} END {if (d != "") print d " (./run_all.sh" (m == "" ? "" : " " m) ")"}')
                [ -z "$d" ] || printf 'ran_%s\t%s\n' "$sec" "$d"
                [ "$sec" != python ] || printf '%s\n' "$old" | grep '^python' || true
                [ "$sec" != c10k ] || printf '%s\n' "$old" | grep '^c10k' || true
                [ "$sec" != nginx ] || printf '%s\n' "$old" | grep '^nginx' || true
                ;;
            esac
        done
        # a section that did not run now says why, even if an earlier run's figures are kept
        case " $RAN " in *" python "*) ;; *) [ -z "$PY_NOTE" ] || printf 'python_skip\t%s\n' "$PY_NOTE" ;; esac
        case " $RAN " in *" c10k "*) ;; *) [ -z "$C10K_NOTE" ] || printf 'c10k_skip\t%s\n' "$C10K_NOTE" ;; esac
    } >"$DOC/meta.tsv"
    said_kept
}

# said_kept: say what this run rewrote, and what it kept from earlier runs.
said_kept() {
    local sec d kept=""
    for sec in c10k python nginx; do
        d=$(awk -F '\t' -v k="ran_$sec" '$1 == k {print $2}' "$DOC/meta.tsv")
        case " $RAN " in *" $sec "*) continue ;; esac
        [ -z "$d" ] || kept="$kept; $sec from $d"
    done
    say "rewriting RESULTS.md, $DOC/rps.svg and $DOC/meta.tsv, and the raw outputs of: ${RAN// /, }"
    [ -z "$kept" ] || say "kept from earlier runs, with their raw outputs, and marked so in RESULTS.md: ${kept#; }"
}

# python_ok DIR: can the course's originals run here? Sets PY_NOTE if not.
PY_NOTE="" C10K_NOTE=""
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
    for p in "${ASYNC_PORTS[@]}"; do start "py_async_server_$p" "$p" log bash -c "cd '$dir' && exec python3 async_server.py $p"; done
    start py_lb "$PY_LB_PORT" log bash -c "cd '$dir' && exec python3 lb.py $PY_LB_PORT"
    for c in "${LEVELS[@]}"; do bench python py_lb "$c" "$n" "$PY_LB_PORT" "py_lb_$c.txt"; done
    for c in "${LEVELS[@]}"; do bench python py_async "$c" "$n" 9002 "py_async_$c.txt"; done
    # Each finished connection leaves the thread server a spinning thread,
    # so it gets a fresh start (and fewer requests) for each level.
    for c in "${LEVELS[@]}"; do
        start py_thread "$PY_THREAD_PORT" connect bash -c "cd '$dir' && exec python3 server_thread_http.py"
        bench python py_thread "$c" "$tn" "$PY_THREAD_PORT" "py_thread_$c.txt"
        [ "$dry" = 1 ] || kill_quietly "$(pid_of py_thread)"
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
    C10K_NOTE=""
    if [ "$quick" = 0 ] && [ "$dry" = 0 ] && [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$C10K_NOFILE" ]; then
        C10K_NOTE="Skipped: the open-file limit here is $(ulimit -n) (ulimit -n), and ab needs more than its 10,000 connections. Raise it, then run again: ulimit -n $C10K_NOFILE (on macOS, if that is refused: sudo launchctl limit maxfiles 65536 200000, in a new terminal)."
        say "C10K ${C10K_NOTE#Skipped: }"
    fi
    build
    check_ports "${ASYNC_PORTS[@]}" "$LB_PORT" "$THREAD_PORT"
    mkdir -p "$LOGS" "$DOC"
    # The sections this run measures start anew; the others are kept, with
    # their raw outputs, and RESULTS.md says they come from an earlier run.
    RAN=main
    [ "$quick" = 1 ] || [ -n "$C10K_NOTE" ] || RAN="$RAN c10k"
    [ -z "$pydir" ] || RAN="$RAN python"
    new_manifest drop $RAN
    STEPS=12
    [ "$quick" = 1 ] || [ -n "$C10K_NOTE" ] || STEPS=$((STEPS + 6))
    [ -z "$pydir" ] || STEPS=$((STEPS + 12))

    start_ours
    for c in "${LEVELS[@]}"; do bench main lb "$c" "$n" "$LB_PORT" "lb_$c.txt"; done
    for c in "${LEVELS[@]}"; do bench main thread "$c" "$n" "$THREAD_PORT" "t_$c.txt"; done
    for c in "${LEVELS[@]}"; do bench main async "$c" "$n" 9002 "async_$c.txt"; done
    if [ "$quick" = 0 ] && [ -z "$C10K_NOTE" ]; then
        [ "$dry" = 1 ] || say "C10K: open-file limit $(ulimit -n) (ab needs more than -c)"
        for c in 1000 10000; do bench c10k thread "$c" 20000 "$THREAD_PORT" "c10k_t_$c.txt" "$(pid_of server_thread_http)"; done
        for c in 1000 10000; do bench c10k async "$c" 20000 9002 "c10k_async_$c.txt" "$(pid_of async_server_9002)"; done
        for c in 1000 5000; do bench c10k lb "$c" 10000 "$LB_PORT" "c10k_lb_$c.txt" "$(pid_of lb)"; done
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
    "$BIN/report" -runs "$DOC/runs.tsv" -meta "$DOC/meta.tsv" -out RESULTS.md -svg "$DOC/rps.svg" ${strict[@]+"${strict[@]}"}
    say "done: RESULTS.md; raw ab outputs in $DOC/, program logs in $LOGS/"
}

# --- the other modes -------------------------------------------------------------

run_serve() {
    local p
    need_go
    build
    check_ports "${ASYNC_PORTS[@]}" "$LB_PORT" "$THREAD_PORT"
    mkdir -p "$LOGS"
    for p in "${ASYNC_PORTS[@]}"; do show "async_server_$p" "async_server :$p" "$p" "$BIN/async_server" "$p"; done
    show lb "lb :$LB_PORT" "$LB_PORT" "$BIN/lb" "$LB_PORT"
    show server_thread_http "server_thread_http :$THREAD_PORT" "$THREAD_PORT" "$BIN/server_thread_http" "$THREAD_PORT"
    say "serving: open http://localhost:$LB_PORT/page.html (Ctrl-C stops everything)"
    wait "${PIDS[@]}" || true
}

# prefix TEXT: copy stdin to stdout line by line, each line after TEXT (a
# shell loop: sed -u is GNU's, and mawk waits for a block of input).
prefix() {
    local line
    while IFS= read -r line; do printf '%s%s\n' "$1" "$line"; done
}

# show NAME LABEL PORT COMMAND...: start, with each line of the program's
# log shown here too, prefixed with [LABEL].
show() {
    local name=$1 label=$2 port=$3
    shift 3
    "$@" > >(tee "$LOGS/$name.log" | prefix "[$label] ") 2>&1 &
    PIDS+=($!)
    NAMES+=("$name")
    wait_port "$name" "$port" "$!" log
}

find_chromium() {
    local c
    for c in chromium chromium-browser google-chrome; do
        command -v "$c" >/dev/null && {
            command -v "$c"
            return
        }
    done
    for c in "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" "/Applications/Chromium.app/Contents/MacOS/Chromium"; do
        [ -x "$c" ] && {
            echo "$c"
            return
        }
    done
    return 1
}

# with_timeout SECONDS COMMAND...: run a command, killed after SECONDS
# (macOS has no timeout command).
with_timeout() {
    local secs=$1 pid watch rc=0
    shift
    if command -v timeout >/dev/null; then
        timeout "$secs" "$@"
        return
    fi
    "$@" &
    pid=$!
    (sleep "$secs" && kill "$pid" 2>/dev/null) &
    watch=$!
    wait "$pid" || rc=$?
    kill "$watch" 2>/dev/null || true
    return "$rc"
}

run_screenshot() {
    local chrome profile name p
    chrome=$(find_chromium) || {
        say "screenshot skipped: Chromium is not installed (Debian: apt-get install chromium)"
        return 0
    }
    need_go
    build
    check_ports "${ASYNC_PORTS[@]}" "$LB_PORT"
    mkdir -p "$LOGS" "$DOC"
    for p in "${ASYNC_PORTS[@]}"; do start "async_server_$p" "$p" log "$BIN/async_server" "$p"; done
    start lb "$LB_PORT" log "$BIN/lb" "$LB_PORT"
    local before=() i # lines in each log before the page load, index for index with NAMES
    for name in "${NAMES[@]}"; do before+=("$(wc -l <"$LOGS/$name.log")"); done
    profile=$(mktemp -d)
    say "loading http://localhost:$LB_PORT/page.html in headless Chromium"
    with_timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --user-data-dir="$profile" --window-size=800,480 \
        --screenshot="$DOC/web.png" "http://localhost:$LB_PORT/page.html" >"$LOGS/chromium.log" 2>&1 ||
        die "Chromium failed; see $LOGS/chromium.log"
    rm -rf "$profile"
    sleep 0.5
    {
        echo "# The log lines of one page load of http://localhost:$LB_PORT/page.html, made by ./run_all.sh screenshot."
        echo "# The page and its two pictures (and the browser's favicon.ico) go to the backends in turn."
        for i in "${!NAMES[@]}"; do
            echo
            echo "== ${NAMES[$i]}"
            tail -n "+$((before[$i] + 1))" "$LOGS/${NAMES[$i]}.log" | grep -v '^$' || true
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
${NGX_STREAM_MODULE:+load_module $NGX_STREAM_MODULE;}
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

# find_nginx: is there an nginx with its stream module? Debian loads it
# from a file (NGX_STREAM_MODULE); Homebrew's and FreeBSD's have it built in.
NGX_STREAM_MODULE=""
find_nginx() {
    local m
    command -v nginx >/dev/null || PATH=$PATH:/usr/sbin:/usr/local/sbin
    command -v nginx >/dev/null || return 1
    for m in /usr/lib/nginx/modules/ngx_stream_module.so /usr/lib64/nginx/modules/ngx_stream_module.so; do
        [ -f "$m" ] && NGX_STREAM_MODULE=$m && return 0
    done
    nginx -V 2>&1 | grep -q -- '--with-stream\( \|$\)'
}

run_compare() {
    local rounds=3 n=5000 cpu_n=20000 c r t key port dir=DIR
    find_nginx || {
        say "compare skipped: nginx with its stream module is needed (Debian: apt-get install nginx-light libnginx-mod-stream; macOS: brew install nginx)"
        return 0
    }
    need_go
    need_ab
    raise_nofile
    build
    check_ports "${ASYNC_PORTS[@]}" "$LB_PORT" "$THREAD_PORT" "$NGX_LB_PORT" "$NGX_STATIC_PORT" "$LB1_PORT" "$ASYNC1_PORT" "$THREAD1_PORT"
    if [ "$dry" = 0 ]; then
        mkdir -p "$LOGS" "$DOC"
        dir=$(mktemp -d)
        nginx_conf "$PWD" "$dir" >"$dir/nginx.conf"
        nginx_conf /path/to/this/repository logs >"$DOC/nginx.conf"
    fi
    start_ours
    # Each program once more with -procs 1: one thread, as the Python ran,
    # instead of Go's own choice (the default).
    start lb_procs1 "$LB1_PORT" log "$BIN/lb" -procs 1 "$LB1_PORT"
    start async_server_procs1 "$ASYNC1_PORT" log "$BIN/async_server" -procs 1 "$ASYNC1_PORT"
    start server_thread_http_procs1 "$THREAD1_PORT" log "$BIN/server_thread_http" -procs 1 "$THREAD1_PORT"
    start nginx "$NGX_LB_PORT" connect nginx -p "$dir" -c "$dir/nginx.conf"
    local ngx
    ngx=$(pid_of nginx)
    wait_port nginx "$NGX_STATIC_PORT" "$ngx" connect
    ngx="$ngx $(pgrep -P "$ngx" | tr '\n' ' ')"
    # target:port:processes whose CPU time counts (nginx: master and workers)
    local targets=(
        "lb:$LB_PORT:$(pid_of lb)" "lb_procs1:$LB1_PORT:$(pid_of lb_procs1)"
        "nginx_lb:$NGX_LB_PORT:$ngx"
        "async:${ASYNC_PORTS[0]}:$(pid_of "async_server_${ASYNC_PORTS[0]}")" "async_procs1:$ASYNC1_PORT:$(pid_of async_server_procs1)"
        "thread:$THREAD_PORT:$(pid_of server_thread_http)" "thread_procs1:$THREAD1_PORT:$(pid_of server_thread_http_procs1)"
        "nginx_static:$NGX_STATIC_PORT:$ngx"
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
        MODE_NOTE="" C10K_NOTE=""
        meta
    fi
    grep -v '^nginx\|^ran_nginx' "$DOC/meta.tsv" >"$DOC/meta.tsv.new" || true
    printf 'nginx\t%s, compared on %s\n' "$(nginx -v 2>&1 | sed 's/^nginx version: //')" "$(date -u '+%Y-%m-%d %H:%M UTC')" >>"$DOC/meta.tsv.new"
    printf 'ran_nginx\t%s (./run_all.sh compare)\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" >>"$DOC/meta.tsv.new"
    mv "$DOC/meta.tsv.new" "$DOC/meta.tsv"
    report 0
}

# run_study: the side-by-side pages, from the course in $course, into
# study/ (which git ignores); the study program prints each page's path.
run_study() {
    need_go
    BIN=$(mktemp -d)
    go build -o "$BIN/" ./internal/study
    "$BIN/study" -out study "$course" || exit 1
}

# run_bugs: the bug lab (internal/bugs): each bug of the Python put back
# in a copy of this checkout, and the tests that must fail with it.
run_bugs() {
    need_go
    BIN=$(mktemp -d)
    go build -o "$BIN/" ./internal/bugs
    "$BIN/bugs" ${bugargs[@]+"${bugargs[@]}"}
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
        printf 'start %s on port %s: %s\n' "$1" "$2" "${*:4}"
        PIDS+=(PID)
        NAMES+=("$1")
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
study)
    [ "$dry" = 0 ] || die "--dry-run is for the benchmark modes"
    run_study
    ;;
bugs)
    [ "$dry" = 0 ] || die "--dry-run is for the benchmark modes"
    run_bugs
    ;;
esac
