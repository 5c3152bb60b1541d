# Shared by the bench scripts (sourced, not run).

# ticks PID...: the processes' user and system CPU time so far (all their threads), in clock ticks (from /proc).
ticks() { local p; for p in "$@"; do cat "/proc/$p/stat"; done | awk '{u += $14; s += $15} END {print u, s}'; }

# cpu PID...: the processes' user + system CPU time so far, in clock ticks.
cpu() { ticks "$@" | awk '{print $1 + $2}'; }

# bench_setup SECONDS ROUNDS BINARY...: for a script comparing binaries with nginx, in rounds: sets $seconds,
# $rounds, $binaries, $size (the first binary's autoconfig answer in bytes: nginx returns a body that
# long), $shared (../shared/bench), $autoconfig (the target every script asks for) and $work, a temporary
# folder removed on exit, with the nginx started in $work/nginx stopped.
bench_setup() {
  seconds=$1
  rounds=$2
  binaries=("${@:3}")
  shared=$(cd "$(dirname "$0")/../../../shared/bench" && pwd)
  autoconfig='/mail/config-v1.1.xml?emailaddress=alice@example.com'
  work=$(mktemp -d)
  trap '[ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT
  size=$(answer_size "${binaries[0]}")
}

# answer_size BINARY: the bytes of BINARY's autoconfig answer (nginx returns a body of that size).
answer_size() { "$1" render --format thunderbird --email alice@example.com | wc -c; }

# start_nginx DIR SIZE HTTP_EXTRA LISTEN...: one nginx worker answering every request with 200 and a body
# of SIZE bytes (the size of our answer, so both write the same), on each LISTEN ("127.0.0.1:18091",
# "127.0.0.1:18099 http2"); HTTP_EXTRA goes into its http block. Returns once nginx has written DIR/nginx.pid.
start_nginx() {
  local dir=$1 size=$2 extra=$3 body servers="" listen
  shift 3
  body=$(head -c "$size" /dev/zero | tr '\0' 'x')
  for listen in "$@"; do
    servers+="  server { listen $listen; location / { default_type text/xml; return 200 \"$body\"; } }"$'\n'
  done
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http { access_log off; $extra
$servers}
CONF
  nginx -c "$dir/nginx.conf" -p "$dir"
  until [ -s "$dir/nginx.pid" ]; do sleep 0.05; done
}
