#!/usr/bin/env bash
# deploy/push.sh - pushes built worker images (deploy/images.sh) to a
# registry with skopeo, no Docker engine, byte for byte: the digest in the
# registry is the digest that was built.
#
#   deploy/push.sh --registry HOST[:PORT] [--out DIR] [--tag TAG] WORKER...
#
# Each image goes to HOST/scratchwork/WORKER:TAG. TAG defaults to the git
# commit (with "-dirty" if tracked files differ from it), or "dev" outside
# git. Prints one line per image: NAME:TAG@DIGEST.
# Registries:
#   ACCT.dkr.ecr.REGION.amazonaws.com  logs in first with
#       aws ecr get-login-password | skopeo login --username AWS
#   127.0.0.1 / localhost / [::1]      no login, TLS not verified (a local
#       test registry speaks plain HTTP)
#   anything else                      TLS verified, credentials from a
#       previous `skopeo login`
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/images
registry=""
tag=""
while (($#)); do
  case $1 in
    --registry) registry=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "push: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ -n $registry ]] || { echo "push: --registry (make push REGISTRY=...) is required" >&2; exit 2; }
(($#)) || { echo "push: no worker given" >&2; exit 2; }
registry=${registry%/}

# Prints the default tag: the commit, "-dirty" when the work tree differs.
default_tag() {
  local sha
  if ! sha=$(git rev-parse --verify -q HEAD 2>/dev/null); then
    echo dev
    return
  fi
  if git diff-index --quiet HEAD -- 2>/dev/null; then
    echo "$sha"
  else
    echo "$sha-dirty"
  fi
}
[[ -n $tag ]] || tag=$(default_tag)

host=${registry%%/*}
tls=(--dest-tls-verify=true)
case $host in
  127.*|localhost|localhost:*|"[::1]"|"[::1]:"*)
    tls=(--dest-tls-verify=false) ;;
esac
if [[ $host =~ ^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$ ]]; then
  region=${BASH_REMATCH[1]}
  command -v aws >/dev/null || { echo "push: ECR needs the aws CLI" >&2; exit 1; }
  # The password goes through a pipe only: never on a command line or in a log.
  aws ecr get-login-password --region "$region" |
    skopeo login --password-stdin --username AWS "$host" >/dev/null
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for w in "$@"; do
  layout="$out/$w/oci"
  [[ -f $layout/index.json && -f $out/$w/digest ]] ||
    { echo "push: $w: no image in $layout (run make images)" >&2; exit 1; }
  built=$(cat "$out/$w/digest")
  dest="$registry/scratchwork/$w:$tag"
  skopeo copy --quiet "${tls[@]}" --retry-times 3 --preserve-digests \
    --digestfile "$tmp/$w.digest" "oci:$layout:latest" "docker://$dest"
  pushed=$(cat "$tmp/$w.digest")
  if [[ $pushed != "$built" ]]; then
    echo "push: $w: registry has $pushed, built $built" >&2
    exit 1
  fi
  echo "$dest@$pushed"
done
