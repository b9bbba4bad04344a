#!/usr/bin/env bash
# tests/integration/test_tls.sh - TLS interop of our libcurl + mbedTLS build
# against real `openssl s_server` instances on 127.0.0.1 (TAP).
#
# Both builds of tests/helpers/https_get are checked: the host one (gcc,
# ASan+UBSan, build/deps/host) and the release one (musl, static, stripped,
# build/deps/musl). Servers:
#   tls12-rsa    TLS 1.2 only, RSA key. The regression case: OpenSSL signs the
#                ServerKeyExchange with RSA-PSS because our client (TLS 1.2 +
#                1.3) offers rsa_pss_rsae_*; stock mbedTLS 3.6.6 fails with
#                -0x6600, deps/patches/mbedtls/0001-* fixes it.
#   tls13-rsa    TLS 1.3 only, RSA key (RSA-PSS CertificateVerify).
#   tls12-ecdsa  TLS 1.2 only, ECDSA P-256 key.
# Certificates are made here, at test time, in a temp dir. Also checked: a
# server signed by a CA we do not trust is refused cleanly (exit 2, curl's
# error text, no crash or sanitizer report), --tls12-only against a TLS
# 1.3-only server fails cleanly, and the release binary is static.
set -u

BUILD=${BUILD:-build}
HOST_BIN=$BUILD/test/bin/https_get
REL_BIN=$BUILD/release/bin/https_get

n=0
failed=0
# ok COND_STATUS DESCRIPTION [DIAG]: print one TAP line for a check whose
# result is the exit status COND_STATUS (0 = pass), with DIAG on failure.
ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $n - $2"
    else
        failed=$((failed + 1))
        echo "not ok $n - $2"
        [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
    fi
}

tmp=$(mktemp -d)
pids=()
# cleanup: stop every server we started and remove the temp dir.
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# free_port: print a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: wait (at most 10 s) until 127.0.0.1:PORT accepts.
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# make_ca NAME: a self-signed CA certificate NAME.pem with key NAME.key.
make_ca() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
        -keyout "$tmp/$1.key" -out "$tmp/$1.pem" 2>>"$tmp/openssl.log"
}

# make_cert NAME KEYOPTS...: a server certificate for 127.0.0.1/localhost
# signed by the test CA, with a new key (openssl req -newkey KEYOPTS...).
make_cert() {
    local name=$1
    shift
    openssl req -newkey "$@" -nodes -subj /CN=localhost \
        -keyout "$tmp/$name.key" -out "$tmp/$name.csr" 2>>"$tmp/openssl.log" &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' \
        >"$tmp/$name.ext" &&
    openssl x509 -req -in "$tmp/$name.csr" -CA "$tmp/ca.pem" \
        -CAkey "$tmp/ca.key" -CAcreateserial -days 2 -extfile "$tmp/$name.ext" \
        -out "$tmp/$name.pem" 2>>"$tmp/openssl.log"
}

# start_server NAME CERT PROTO_FLAG: start openssl s_server -www with CERT on
# a free port; sets PORT_<NAME>.
start_server() {
    local port
    port=$(free_port)
    openssl s_server "$3" -cert "$tmp/$2.pem" -key "$tmp/$2.key" \
        -accept "127.0.0.1:$port" -www -quiet </dev/null \
        >"$tmp/server-$1.log" 2>&1 &
    pids+=($!)
    printf -v "PORT_$1" '%s' "$port"
    wait_port "$port"
}

# get BIN PORT ARGS...: run BIN against https://127.0.0.1:PORT/; leaves the
# exit status in RC and stdout+stderr in OUT.
get() {
    local bin=$1 port=$2
    shift 2
    OUT=$("$bin" "https://127.0.0.1:$port/" "$@" 2>&1)
    RC=$?
}

make_ca ca && make_ca untrusted-ca && make_cert rsa rsa:2048 &&
    make_cert ecdsa ec -pkeyopt ec_paramgen_curve:P-256
setup=$?
ok $setup "generate CA, RSA and ECDSA server certificates" \
    "$(cat "$tmp/openssl.log" 2>/dev/null)"

start_server tls12rsa rsa -tls1_2 &&
    start_server tls13rsa rsa -tls1_3 &&
    start_server tls12ecdsa ecdsa -tls1_2
ok $? "start openssl s_server: TLS 1.2 RSA, TLS 1.3 RSA, TLS 1.2 ECDSA" \
    "$(cat "$tmp"/server-*.log 2>/dev/null)"

for flavour in host release; do
    bin=$HOST_BIN
    [ $flavour = release ] && bin=$REL_BIN
    if [ ! -x "$bin" ]; then
        ok 1 "$flavour https_get exists ($bin; run make test-build)"
        continue
    fi

    # server port expected-tls description
    while read -r server tls what; do
        port_var=PORT_$server
        get "$bin" "${!port_var}" --cafile "$tmp/ca.pem"
        [ $RC -eq 0 ] && grep -qx 'status 200' <<<"$OUT" &&
            grep -qx "tls $tls" <<<"$OUT"
        ok $? "$flavour: $what -> 200 over $tls" "rc=$RC $OUT"
    done <<EOF
tls12rsa TLSv1.2 TLS 1.2-only RSA server (RSA-PSS ServerKeyExchange regression)
tls13rsa TLSv1.3 TLS 1.3-only RSA server
tls12ecdsa TLSv1.2 TLS 1.2-only ECDSA server
EOF

    # By name: the resolver (musl's, in the static binary) and SNI +
    # hostname verification against the certificate's DNS name.
    OUT=$("$bin" "https://localhost:$PORT_tls13rsa/" --cafile "$tmp/ca.pem" 2>&1)
    RC=$?
    [ $RC -eq 0 ] && grep -qx 'status 200' <<<"$OUT"
    ok $? "$flavour: https://localhost:PORT/ (name lookup, hostname check)" \
        "rc=$RC $OUT"

    get "$bin" "$PORT_tls12rsa" --cafile "$tmp/ca.pem" --tls12-only
    [ $RC -eq 0 ] && grep -qx 'tls TLSv1.2' <<<"$OUT"
    ok $? "$flavour: --tls12-only against the TLS 1.2 RSA server" "rc=$RC $OUT"

    get "$bin" "$PORT_tls13rsa" --cafile "$tmp/ca.pem" --tls12-only
    [ $RC -eq 2 ] && grep -q 'SSL' <<<"$OUT" && ! grep -q Sanitizer <<<"$OUT"
    ok $? "$flavour: --tls12-only against a TLS 1.3-only server fails cleanly" \
        "rc=$RC $OUT"

    for server in tls12rsa tls13rsa tls12ecdsa; do
        port_var=PORT_$server
        get "$bin" "${!port_var}" --cafile "$tmp/untrusted-ca.pem"
        [ $RC -eq 2 ] && grep -qi 'certificate\|SSL' <<<"$OUT" &&
            ! grep -q 'status 200\|Sanitizer' <<<"$OUT"
        ok $? "$flavour: $server with an untrusted CA is refused cleanly (exit 2)" \
            "rc=$RC $OUT"
    done
done

if [ -x "$REL_BIN" ]; then
    hdrs=$(readelf -lW "$REL_BIN" 2>&1)
    ! grep -q 'INTERP\|DYNAMIC' <<<"$hdrs" && grep -q 'LOAD' <<<"$hdrs"
    ok $? "release https_get is static (no PT_INTERP, no PT_DYNAMIC)" "$hdrs"
    echo "# release https_get: $(stat -c %s "$REL_BIN") bytes"
fi

echo "1..$n"
[ $failed -eq 0 ]
