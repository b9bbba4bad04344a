#!/usr/bin/env bash
# tests/integration/test_images.sh - the worker images, end to end, with no
# Docker engine (TAP):
#   - the pinned CA bundle matches what deploy/ca/README.md records;
#   - `make images` twice (the second time from copies of the binaries with
#     other mtimes and modes) gives the same image digests, under 512 KiB;
#   - each image holds the binary and the CA bundle only, with fixed modes,
#     owners and times, a well-formed tar, User 65534:65534, the entrypoint,
#     SSL_CERT_FILE, and no labels;
#   - the entrypoint runs in a sandbox that sees the image rootfs only
#     (bwrap: crun needs cgroups, which this machine lacks) and exits with
#     the exit-code contract's 2 and one line on stderr when unconfigured;
#     /bin/sh is not there;
#   - `make push` to a local registry (Debian's docker-registry with our own
#     config: 127.0.0.1 only, temp storage, no auth) lands the same digest,
#     and the registry's manifest agrees.
# Skips only when buildah is not installed. IMAGE_BIN_DIR overrides where the
# worker binaries come from (default: $BUILD/bin, built by make).
set -u
SW_ROOT=${SW_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
export PYTHONPATH="$SW_ROOT/tests/lib${PYTHONPATH:+:$PYTHONPATH}"
cd "$SW_ROOT" || exit 1

if ! command -v buildah >/dev/null; then
  echo "ok 1 # SKIP buildah not installed (apt-get install buildah skopeo umoci bubblewrap docker-registry)"
  echo "1..1"
  exit 0
fi

n=0 failed=0
# Prints a TAP line for the status of the last command ($1 = description).
check() {
  local rc=$? what=$1
  n=$((n + 1))
  if ((rc == 0)); then
    echo "ok $n - $what"
  else
    echo "not ok $n - $what"
    failed=$((failed + 1))
  fi
  return $rc
}
# Prints a TAP line saying whether "$2" equals "$3" ($1 = description).
check_eq() {
  [[ $2 == "$3" ]]
  check "$1" || { echo "got:"; echo "$2"; echo "want:"; echo "$3"; } | sed 's/^/#   /'
}

tmp=$(mktemp -d)
reg_pid=""
cleanup() {
  [[ -n $reg_pid ]] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

for tool in skopeo umoci bwrap docker-registry; do
  command -v "$tool" >/dev/null
  check "$tool is installed"
done

mapfile -t workers < <(for d in workers/*/Dockerfile; do
                         [[ -f $d ]] && basename "$(dirname "$d")"; done)
((${#workers[@]} > 0))
check "workers with a Dockerfile: ${workers[*]}"
bin_dir=${IMAGE_BIN_DIR:-$BUILD/bin}

# The CA bundle is the one deploy/ca/README.md records (make update-ca).
ca=deploy/ca/ca-certificates.crt
want_sum=$(sed -n 's/^ *sha256: *//p' deploy/ca/README.md)
check_eq "CA bundle sha256 is the one recorded in deploy/ca/README.md" \
  "$(sha256sum "$ca" | cut -d' ' -f1)" "$want_sum"
check_eq "CA bundle holds the recorded number of certificates" \
  "$(grep -c 'BEGIN CERTIFICATE' "$ca")" \
  "$(sed -n 's/^ *certificates: *//p' deploy/ca/README.md)"

# --- two builds, one digest ----------------------------------------------
make --no-print-directory BUILD="$BUILD" IMAGE_BIN_DIR="$bin_dir" \
  IMAGES_DIR="$tmp/a" images >"$tmp/make-a.log" 2>&1
check "make images (first build)" || sed 's/^/#   /' "$tmp/make-a.log" | tail -20

# The second build starts from copies with another mtime and mode: neither
# may reach the image.
mkdir -p "$tmp/bin-b"
for w in "${workers[@]}"; do
  cp "$bin_dir/$w" "$tmp/bin-b/$w" 2>/dev/null
  chmod 0700 "$tmp/bin-b/$w" 2>/dev/null
  touch -d '2001-02-03 04:05:06' "$tmp/bin-b/$w" 2>/dev/null
done
make --no-print-directory BUILD="$BUILD" IMAGE_BIN_DIR="$tmp/bin-b" \
  IMAGES_DIR="$tmp/b" images >"$tmp/make-b.log" 2>&1
check "make images (second build, other mtimes and modes)" ||
  sed 's/^/#   /' "$tmp/make-b.log" | tail -20

declare -A digest
for w in "${workers[@]}"; do
  digest[$w]=$(cat "$tmp/a/$w/digest" 2>/dev/null)
  [[ ${digest[$w]} =~ ^sha256:[0-9a-f]{64}$ ]]
  check "$w: image digest ${digest[$w]}"
  check_eq "$w: second build has the same digest" \
    "$(cat "$tmp/b/$w/digest" 2>/dev/null)" "${digest[$w]}"
  # make images prints "WORKER DIGEST BYTES bytes (...) compressed".
  line=$(grep -E "^$w +sha256:" "$tmp/make-a.log" | tail -n1)
  read -r _ printed bytes _ <<<"$line"
  check_eq "$w: make images prints the digest" "$printed" "${digest[$w]}"
  [[ $bytes =~ ^[0-9]+$ ]] && ((bytes <= 524288))
  check "$w: compressed image ${bytes:-?} bytes <= 512 KiB"
done

# --- contents and config ---------------------------------------------------
for w in "${workers[@]}"; do
  layout="$tmp/a/$w/oci"
  layers=$(skopeo inspect --format '{{range .Layers}}{{.}} {{end}}' "oci:$layout:latest" 2>/dev/null)
  read -r -a layer_list <<<"$layers"
  check_eq "$w: one layer" "${#layer_list[@]}" 1
  blob="$layout/blobs/sha256/${layer_list[0]#sha256:}"
  # Owner, mode, date of every entry: root, the Dockerfile's modes, epoch.
  tar -tvzf "$blob" --numeric-owner 2>/dev/null |
    awk '{print $1, $2, $4, $5, $6}' >"$tmp/$w.list"
  expect="-rwxr-xr-x 0/0 1970-01-01 00:00 $w
drwxr-xr-x 0/0 1970-01-01 00:00 etc/
drwxr-xr-x 0/0 1970-01-01 00:00 etc/ssl/
drwxr-xr-x 0/0 1970-01-01 00:00 etc/ssl/certs/
-rw-r--r-- 0/0 1970-01-01 00:00 etc/ssl/certs/ca-certificates.crt"
  # Both sides sorted by path: a worker named after "etc" sorts last.
  check_eq "$w: layer holds the binary and the CA bundle only" \
    "$(sort -k5 "$tmp/$w.list")" "$(sort -k5 <<<"$expect")"
  # A tar ends with two zero blocks (layers written by some tools do not).
  [[ $(gzip -dc "$blob" | tail -c 1024 | tr -d '\0' | wc -c) -eq 0 ]]
  check "$w: layer tar has its end-of-archive marker"

  user=$(skopeo inspect --config --format '{{.Config.User}}' "oci:$layout:latest" 2>/dev/null)
  check_eq "$w: config User" "$user" "65534:65534"
  ep=$(skopeo inspect --config --format '{{range .Config.Entrypoint}}{{.}} {{end}}' "oci:$layout:latest" 2>/dev/null)
  check_eq "$w: config Entrypoint" "$ep" "/$w "
  skopeo inspect --config --format '{{range .Config.Env}}{{println .}}{{end}}' \
    "oci:$layout:latest" >"$tmp/$w.env" 2>/dev/null
  grep -qx 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' "$tmp/$w.env"
  check "$w: config sets SSL_CERT_FILE to the bundle"
  labels=$(skopeo inspect --format '{{.Labels}}' "oci:$layout:latest" 2>/dev/null)
  [[ $labels == "map[]" || $labels == "<no value>" ]]
  check "$w: no labels (no io.buildah.version) [$labels]"

  # Unpacked by another reader of the layout (umoci), the rootfs is exactly
  # the layer, and its files are the inputs byte for byte.
  umoci unpack --image "$layout:latest" "$tmp/$w.bundle" >/dev/null 2>&1
  check "$w: umoci unpacks the layout"
  root="$tmp/$w.bundle/rootfs"
  check_eq "$w: rootfs files" \
    "$(cd "$root" 2>/dev/null && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')" \
    "$(printf '%s\n' "./$w" ./etc ./etc/ssl ./etc/ssl/certs \
        ./etc/ssl/certs/ca-certificates.crt | LC_ALL=C sort | tr '\n' ' ')"
  cmp -s "$root/$w" "$bin_dir/$w"
  check "$w: /$w is the worker binary"
  cmp -s "$root/etc/ssl/certs/ca-certificates.crt" "$ca"
  check "$w: /etc/ssl/certs/ca-certificates.crt is the pinned bundle"
done

# --- the entrypoint, isolated from the host -------------------------------
# Per worker: extra environment and the stderr the unconfigured run must show.
# Default: the exit-code contract's 2 with one line on stderr.
worker_env() {
  case $1 in
    btc-price) echo "AWS_REGION=us-east-1" ;;
    *) ;;
  esac
}
worker_stderr_re() {
  case $1 in
    btc-price) echo "TABLE_NAME" ;;
    *) echo "." ;;
  esac
}
for w in "${workers[@]}"; do
  root="$tmp/$w.bundle/rootfs"
  envs=(--clearenv)
  while IFS= read -r kv; do
    [[ -n $kv ]] && envs+=(--setenv "${kv%%=*}" "${kv#*=}")
  done < <(cat "$tmp/$w.env"; worker_env "$w")
  bw=(bwrap --unshare-all --share-net --die-with-parent --bind "$root" /
      --uid 65534 --gid 65534 --dev /dev --proc /proc "${envs[@]}")
  timeout 20 "${bw[@]}" "/$w" >"$tmp/$w.out" 2>"$tmp/$w.err"
  rc=$?
  check_eq "$w: unconfigured run in the image rootfs exits 2" "$rc" 2 ||
    sed 's/^/#   /' "$tmp/$w.err" | head -5
  check_eq "$w: ... with one line on stderr" "$(wc -l <"$tmp/$w.err")" 1
  grep -qE "$(worker_stderr_re "$w")" "$tmp/$w.err"
  check "$w: ... naming what is missing: $(head -c 200 "$tmp/$w.err")"
  timeout 20 "${bw[@]}" /bin/sh -c true >/dev/null 2>"$tmp/$w.sh.err"
  rc=$?
  ((rc != 0)) && grep -q 'No such file' "$tmp/$w.sh.err"
  check "$w: the sandbox sees no host /bin/sh (rc $rc)"
done

# --- push to a local registry ----------------------------------------------
port=$(python3 -c 'import swtest; print(swtest.free_port())')
mkdir -p "$tmp/registry"
cat >"$tmp/registry/config.yml" <<CFG
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $tmp/registry/data
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: scratchwork-test-only
CFG
# A clean environment: REGISTRY_* variables would override the config file.
env -i PATH="$PATH" docker-registry serve "$tmp/registry/config.yml" \
  >"$tmp/registry/log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
check "registry listens on 127.0.0.1:$port" || sed 's/^/#   /' "$tmp/registry/log"
# Our config, not Debian's (which listens on every interface): loopback only.
check_eq "registry is bound to 127.0.0.1 only" \
  "$(ss -ltnH "sport = :$port" 2>/dev/null | awk '{print $4}' | sort -u)" "127.0.0.1:$port"

make --no-print-directory BUILD="$BUILD" IMAGE_BIN_DIR="$bin_dir" \
  IMAGES_DIR="$tmp/a" REGISTRY="127.0.0.1:$port" push >"$tmp/push.log" 2>&1
check "make push REGISTRY=127.0.0.1:$port" || sed 's/^/#   /' "$tmp/push.log" | tail -20

if sha=$(git rev-parse --verify -q HEAD); then
  git diff-index --quiet HEAD -- || sha="$sha-dirty"
else
  sha=dev
fi
for w in "${workers[@]}"; do
  ref="127.0.0.1:$port/scratchwork/$w:$sha"
  grep -qxF "$ref@${digest[$w]}" "$tmp/push.log"
  check "$w: make push prints $ref@${digest[$w]}"
  got=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$ref" 2>/dev/null)
  check_eq "$w: registry digest by tag equals the built digest" "$got" "${digest[$w]}"
  got=$(skopeo inspect --tls-verify=false --raw "docker://$ref" 2>/dev/null | sha256sum | cut -d' ' -f1)
  check_eq "$w: registry manifest bytes hash to the built digest" "sha256:$got" "${digest[$w]}"
done

deploy/push.sh --out "$tmp/a" "${workers[@]}" >/dev/null 2>&1
check_eq "push without a registry is refused with exit 2" "$?" 2

# --- ECR and remote registries: login and TLS, through stand-in tools -------
# No traffic may leave this machine, so `aws` and `skopeo` are stubs here
# that log their arguments (and skopeo login its stdin) and, for copy, write
# the digest the real skopeo would.
mkdir -p "$tmp/stubs"
cat >"$tmp/stubs/aws" <<'STUB'
#!/usr/bin/env bash
echo "aws $*" >>"$STUB_LOG"
echo "stub-ecr-password"
STUB
cat >"$tmp/stubs/skopeo" <<'STUB'
#!/usr/bin/env bash
echo "skopeo $*" >>"$STUB_LOG"
case $1 in
  login) echo "login-stdin: $(cat)" >>"$STUB_LOG" ;;
  copy)
    df="" src=""
    while (($#)); do
      case $1 in --digestfile) df=$2 ;; oci:*) src=${1#oci:} ;; esac
      shift
    done
    src=${src%:latest}
    cat "$(dirname "$src")/digest" >"$df" ;;
esac
STUB
chmod +x "$tmp/stubs/aws" "$tmp/stubs/skopeo"
ecr=123456789012.dkr.ecr.eu-west-1.amazonaws.com
STUB_LOG="$tmp/ecr.log" PATH="$tmp/stubs:$PATH" \
  deploy/push.sh --out "$tmp/a" --registry "$ecr" --tag t1 "${workers[@]}" \
  >"$tmp/ecr.out" 2>&1
check "push to ECR (stubbed aws and skopeo)" || sed 's/^/#   /' "$tmp/ecr.out"
# `aws ... | skopeo login` start together, so their first two log lines may
# come in either order; the password line can only follow aws's answer, and
# all three precede the copy.
check_eq "ECR: logs in first, password through stdin only" \
  "$(head -n2 "$tmp/ecr.log" | sort; sed -n 3p "$tmp/ecr.log")" \
  "aws ecr get-login-password --region eu-west-1
skopeo login --password-stdin --username AWS $ecr
login-stdin: stub-ecr-password"
grep -q "^skopeo copy .*--dest-tls-verify=true .*docker://$ecr/scratchwork/${workers[0]}:t1\$" "$tmp/ecr.log"
check "ECR: copy verifies TLS and goes to $ecr/scratchwork/${workers[0]}:t1"
STUB_LOG="$tmp/remote.log" PATH="$tmp/stubs:$PATH" \
  deploy/push.sh --out "$tmp/a" --registry registry.example.com:5000 --tag t1 \
  "${workers[@]}" >/dev/null 2>&1
! grep -qE '^(aws|skopeo login)' "$tmp/remote.log" &&
  grep -q '^skopeo copy .*--dest-tls-verify=true ' "$tmp/remote.log"
check "other registry: no ECR login, TLS verified"

echo "1..$n"
((failed == 0))
