#!/usr/bin/env bash
# The gateway's cost in the data path against nginx's `proxy_pass`, in one run on this
# machine with one load generator (wrk), loopback only, every run bounded in time.
#
#   bash benches/gateway_vs_nginx.sh [SECONDS_PER_RUN] [CONNECTIONS]
#
# Rows (each for a 1-message and a 20-message batch, POST /v1/batch):
#   stub direct               the stub upstream alone (an nginx answering 200 at once)
#   nginx proxy_pass -> stub  nginx-light, keep-alive to the stub
#   gateway -> stub           regionfence-gateway (release), policy check on
#   gateway -> stub over TLS  the same, `upstream: https://…` (the stub's TLS port)
#   nginx auth_request -> gateway -> stub   nginx asks the gateway's `/v1/authz` (headers
#                             only, as the gateway guide's nginx configuration does), then
#                             proxies to the stub
#
# Needs: nginx (Debian's nginx-light), wrk (Debian's wrk), openssl (the stub's throwaway
# certificate only; the gateway itself uses rustls), python3, cargo. Not part of .ci/run.
set -euo pipefail

SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-16}
THREADS=2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/rf-vs-nginx.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for conf in "$WORK"/nginx-*.conf; do
    [ -f "$conf" ] && nginx -p "$WORK" -c "$conf" -s stop 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in nginx wrk openssl python3 cargo; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install nginx-light wrk)"; exit 1; }
done

# Ports on loopback only.
STUB=18081 STUB_TLS=18443 NGINX=18082 GW=18083 GW_TLS_UP=18084 AUTHZ=18085 GW_ADMIN=18086

echo "building the gateway (release)…"
(cd "$ROOT" && cargo build --release -q -p regionfence-gateway --bin regionfence-gateway)
GATEWAY="$ROOT/target/release/regionfence-gateway"

# A throwaway CA and a certificate for `localhost`, for the stub's TLS port.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=bench CA" -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$WORK/stub.key" -out "$WORK/stub.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\n' > "$WORK/san.ext"
openssl x509 -req -in "$WORK/stub.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
  -CAcreateserial -days 2 -extfile "$WORK/san.ext" -out "$WORK/stub.pem" 2>/dev/null

mkdir -p "$WORK/logs"
common="daemon off; worker_processes 2; pid $WORK/PIDNAME.pid; error_log $WORK/logs/PIDNAME.log warn;
events { worker_connections 1024; }"
http_common="access_log off; client_body_temp_path $WORK; proxy_temp_path $WORK;
  client_max_body_size 1m; client_body_buffer_size 64k; keepalive_requests 1000000;"

cat > "$WORK/nginx-stub.conf" <<EOF
${common//PIDNAME/stub}
http { $http_common
  server { listen 127.0.0.1:$STUB; location / { default_type application/json; return 200 '{"success":true}'; } }
  server { listen 127.0.0.1:$STUB_TLS ssl; ssl_certificate $WORK/stub.pem; ssl_certificate_key $WORK/stub.key;
           location / { default_type application/json; return 200 '{"success":true}'; } }
}
EOF
cat > "$WORK/nginx-proxy.conf" <<EOF
${common//PIDNAME/proxy}
http { $http_common
  upstream stub { server 127.0.0.1:$STUB; keepalive 64; }
  upstream gateway { server 127.0.0.1:$GW_ADMIN; keepalive 64; }   # /v1/authz is on the admin listener
  server { listen 127.0.0.1:$NGINX;
    location / { proxy_pass http://stub; proxy_http_version 1.1; proxy_set_header Connection "";
                 proxy_set_header Host \$host; } }
  server { listen 127.0.0.1:$AUTHZ;
    location / { auth_request /_authz; proxy_pass http://stub; proxy_http_version 1.1;
                 proxy_set_header Connection ""; proxy_set_header Host \$host; }
    location = /_authz { internal; proxy_pass http://gateway/v1/authz;
                 proxy_pass_request_body off; proxy_set_header Content-Length "";
                 proxy_set_header X-Original-URI \$request_uri; proxy_set_header X-Forwarded-Host \$host;
                 proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
EOF
nginx -p "$WORK" -c "$WORK/nginx-stub.conf" & PIDS+=($!)
nginx -p "$WORK" -c "$WORK/nginx-proxy.conf" & PIDS+=($!)

KEY=bench-eu-write-key
gw_config() { # FILE LISTEN ADMIN UPSTREAM EXTRA
  cat > "$1" <<EOF
listen: $2
admin_listen: $3
upstream: $4
hosts: [events.eu1.segmentapis.com]
write_keys: {$KEY: eu-west}
$5
EOF
}
gw_config "$WORK/gw.yaml" "127.0.0.1:$GW" "127.0.0.1:$GW_ADMIN" "http://127.0.0.1:$STUB" ""
gw_config "$WORK/gw-tls.yaml" "127.0.0.1:$GW_TLS_UP" "127.0.0.1:$((GW_ADMIN + 1))" \
  "https://localhost:$STUB_TLS" "upstream_ca: $WORK/ca.pem"
"$GATEWAY" "$WORK/gw.yaml" 2>"$WORK/logs/gw.log" & PIDS+=($!)
"$GATEWAY" "$WORK/gw-tls.yaml" 2>"$WORK/logs/gw-tls.log" & PIDS+=($!)

for port in $STUB $STUB_TLS $NGINX $GW $GW_TLS_UP; do
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
done

# Bodies as analytics-python sends them.
python3 - "$WORK" <<'EOF'
import json, sys
for n in (1, 20):
    batch = [{"type": "track", "event": "Order Completed", "messageId": f"m-{i}", "userId": "user-1234",
              "timestamp": "2026-11-30T00:00:00+00:00",
              "properties": {"revenue": 42.5, "currency": "EUR", "products": [{"sku": "a-1", "qty": 2}]},
              "context": {"library": {"name": "analytics-python", "version": "2.4.0"}, "ip": "10.1.2.3"}}
             for i in range(n)]
    open(f"{sys.argv[1]}/body-{n}.json", "w").write(json.dumps({"batch": batch, "sentAt": "2026-11-30T00:00:01+00:00"}))
EOF
AUTH="Basic $(printf '%s:' "$KEY" | base64)"
cat > "$WORK/post.lua" <<EOF
local f = io.open(os.getenv("BODY"), "rb"); wrk.body = f:read("*a"); f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "$AUTH"
wrk.headers["Host"] = "events.eu1.segmentapis.com"
EOF

# Every row must be answered 200: a check before the load.
check() {
  curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: $AUTH" \
    -H 'Host: events.eu1.segmentapis.com' -H 'Content-Type: application/json' \
    --data-binary @"$WORK/body-1.json" "http://127.0.0.1:$1/v1/batch"
}
ROWS=("stub direct:$STUB" "nginx proxy_pass -> stub:$NGINX" "gateway -> stub:$GW" "gateway -> stub over TLS:$GW_TLS_UP")
if [ "$(check $AUTHZ)" = 200 ]; then
  ROWS+=("nginx auth_request -> gateway -> stub:$AUTHZ")
else
  echo "nginx auth_request -> gateway answered $(check $AUTHZ), not 200"; cat "$WORK"/logs/*.log; exit 1
fi
for row in "${ROWS[@]}"; do
  code=$(check "${row##*:}")
  [ "$code" = 200 ] || { echo "${row%:*} answered $code, not 200"; cat "$WORK"/logs/*.log; exit 1; }
done

echo "load during the run (before): $(uptime)"
RESULTS="$WORK/results.tsv"
: > "$RESULTS"
# Two passes: at full load (CONNECTIONS connections, closed loop: throughput, and latency
# with queueing), and on one connection (one request at a time: the latency a hop adds).
for conns in "$CONNECTIONS" 1; do
threads=$(( conns < THREADS ? conns : THREADS ))
for n in 1 20; do
  for row in "${ROWS[@]}"; do
    name=${row%:*} port=${row##*:}
    # A short warm-up, then the measured run.
    BODY="$WORK/body-$n.json" wrk -t$threads -c$conns -d2s -s "$WORK/post.lua" \
      "http://127.0.0.1:$port/v1/batch" >/dev/null
    BODY="$WORK/body-$n.json" wrk -t$threads -c$conns -d"${SECONDS_PER_RUN}s" --latency \
      -s "$WORK/post.lua" "http://127.0.0.1:$port/v1/batch" > "$WORK/wrk.out"
    if grep -q "Non-2xx" "$WORK/wrk.out"; then
      echo "$name ($n msg): some answers were not 2xx"; cat "$WORK/wrk.out"; exit 1
    fi
    python3 - "$WORK/wrk.out" "$name" "$n" "$conns" >> "$RESULTS" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def us(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    return float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = us(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = us(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
print(f"{sys.argv[4]}\t{sys.argv[3]}\t{sys.argv[2]}\t{rps:.0f}\t{p50:.0f}\t{p99:.0f}")
EOF
  done
done
done
echo "load during the run (after): $(uptime)"

python3 - "$RESULTS" "$SECONDS_PER_RUN" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
print(f"\nwrk, 2 threads, {sys.argv[2]} s per row after a 2 s warm-up. Ratios are to nginx proxy_pass:"
      " throughput (higher is better), and the latency a hop adds over the stub's own (lower is"
      " better; n/a where nginx's own added latency is not above the noise)\n")
print("| connections | batch | path | requests/s | p50 | p99 | throughput | added p50 | added p99 |")
print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for conns in sorted({r[0] for r in rows}, key=int, reverse=True):
    for n in ("1", "20"):
        got = {r[2]: tuple(map(float, r[3:6])) for r in rows if r[0] == conns and r[1] == n}
        direct, nginx = got["stub direct"], got["nginx proxy_pass -> stub"]
        for name, (rps, p50, p99) in got.items():
            def added(i, v):
                base = nginx[i] - direct[i]
                if name == "stub direct":
                    return "—"
                return f"{(v - direct[i]) / base:.2f}×" if base > 5 else "n/a"
            through = "—" if name == "stub direct" else f"{rps / nginx[0]:.2f}×"
            print(f"| {conns} | {n} msg | {name} | {rps:.0f} | {p50:.0f} µs | {p99:.0f} µs | {through} "
                  f"| {added(1, p50)} | {added(2, p99)} |")
EOF
