#!/usr/bin/env bash
# deploy/images.sh - builds worker images as OCI image layouts, without a
# Docker engine, reproducibly (same inputs, same image digest).
#
#   deploy/images.sh [--out DIR] [--bin-dir DIR] WORKER...   build
#   deploy/images.sh [--out DIR] --summary WORKER...          print digests, sizes
#
# For each WORKER (a directory workers/WORKER/ holding a Dockerfile):
#   DIR/WORKER/context/  the plain build context: the binary (from --bin-dir)
#                        and deploy/ca/ca-certificates.crt; `docker build` of
#                        workers/WORKER/Dockerfile works on it too
#   DIR/WORKER/oci/      the OCI image layout, reference "latest"
#   DIR/WORKER/digest    the image (manifest) digest, sha256:...
# Defaults: --out build/images, --bin-dir build/bin. Needs buildah and skopeo;
# runs as root (CI and the build machines are root); never uses the network.
#
# Why the digest is reproducible: buildah --timestamp 0 fixes the config's
# dates and every file's mtime in the layer, the layer tar is written in
# sorted order with uid/gid 0 and the modes the Dockerfile sets (COPY --chmod),
# --identity-label=false drops the io.buildah.version label, and the layer is
# gzip-compressed at a fixed level by the same code on every run.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/images
bin_dir=build/bin
summary=0
# The size the issue asks images to stay under (compressed layer bytes).
budget=${IMAGE_BUDGET_BYTES:-524288}
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --bin-dir) bin_dir=$2; shift 2 ;;
    --summary) summary=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "images: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
(($#)) || { echo "images: no worker given" >&2; exit 2; }

ca=deploy/ca/ca-certificates.crt
tag=latest

# Prints "DIGEST LAYER_BYTES" for the image of layout $1 (bytes: the sum of
# its compressed layer blobs, what a registry stores and a task pulls).
layout_info() {
  local layout=$1 digest layers bytes=0 l
  digest=$(skopeo inspect --format '{{.Digest}}' "oci:$layout:$tag")
  layers=$(skopeo inspect --format '{{range .Layers}}{{.}} {{end}}' "oci:$layout:$tag")
  for l in $layers; do
    bytes=$((bytes + $(stat -c %s "$layout/blobs/sha256/${l#sha256:}")))
  done
  echo "$digest $bytes"
}

# Prints one summary line for worker $1; returns 1 if the image is missing.
summarize() {
  local w=$1 layout="$out/$1/oci" info digest bytes note=""
  if [[ ! -f $layout/index.json ]]; then
    echo "images: $w: no image in $layout (run make images)" >&2
    return 1
  fi
  read -r digest bytes < <(layout_info "$layout")
  ((bytes <= budget)) || note="  OVER the $((budget / 1024)) KiB budget"
  printf '%-16s %s  %7d bytes (%s KiB) compressed%s\n' "$w" "$digest" "$bytes" \
    "$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1024}')" "$note"
}

# Builds worker $1's image into $out/$1/ (see the top comment).
build_one() {
  local w=$1 dockerfile="workers/$1/Dockerfile" bin="$bin_dir/$1"
  local dir="$out/$1" name="localhost/scratchwork/$1:build"
  [[ -f $dockerfile ]] || { echo "images: $dockerfile missing" >&2; return 1; }
  [[ -f $bin ]] || { echo "images: $bin missing (build the worker first)" >&2; return 1; }

  # Own storage per worker under $out (parallel make is safe, nothing leaks
  # into /var/lib/containers); emptied before and after, so no cache or
  # stale image can take part in a build.
  local root="$out/.storage/$w" runroot="$out/.run/$w"
  rm -rf "$root" "$runroot"
  mkdir -p "$root" "$runroot"
  local -a bah=(buildah --root "$(realpath "$root")" --runroot "$(realpath "$runroot")"
                --storage-driver vfs)

  rm -rf "$dir/context"
  mkdir -p "$dir/context"
  cp "$bin" "$dir/context/$w"
  cp "$ca" "$dir/context/ca-certificates.crt"

  "${bah[@]}" build --quiet --isolation chroot --pull=never --layers=false \
    --format oci --timestamp 0 --identity-label=false \
    -f "$dockerfile" -t "$name" "$dir/context" >/dev/null

  # Write the layout beside the old one and swap, so an interrupted build
  # never leaves a half layout where make would take it as done.
  rm -rf "$dir/oci.new" "$dir/digest"
  "${bah[@]}" push --quiet --compression-format gzip --compression-level 9 \
    --digestfile "$dir/digest.new" "$name" "oci:$dir/oci.new:$tag"
  "${bah[@]}" rmi --all --force >/dev/null
  rm -rf "$root" "$runroot" "$dir/oci"
  mv "$dir/oci.new" "$dir/oci"

  local digest bytes
  read -r digest bytes < <(layout_info "$dir/oci")
  if [[ $digest != "$(cat "$dir/digest.new")" ]]; then
    echo "images: $w: layout digest $digest differs from pushed $(cat "$dir/digest.new")" >&2
    return 1
  fi
  echo "$digest" >"$dir/digest"
  rm -f "$dir/digest.new"
}

if ((summary)); then
  rc=0
  for w in "$@"; do summarize "$w" || rc=1; done
  exit $rc
fi

command -v buildah >/dev/null || { echo "images: buildah not installed" >&2; exit 1; }
for w in "$@"; do
  build_one "$w"
  echo "images: built $w -> $out/$w/oci"
done
