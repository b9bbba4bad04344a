#!/usr/bin/env bash
# deploy/update-ca.sh - refreshes the pinned CA bundle deploy/ca/ca-certificates.crt
# from the Mozilla certificates shipped by Debian's installed ca-certificates
# package, and records the package version and the bundle's SHA-256 in
# deploy/ca/README.md. Run deliberately (`make update-ca`), review, commit.
#
# Why not copy /etc/ssl/certs/ca-certificates.crt: that file also holds any
# CA a machine's admin dropped into /usr/local/share/ca-certificates (this
# very machine has sandbox egress CAs there), and it changes with every
# package upgrade. The images must ship the public roots only, and only when
# we decide to update them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=deploy/ca/ca-certificates.crt
readme=deploy/ca/README.md

version=$(dpkg-query -W -f='${Version}' ca-certificates)
# Only the package's own files, in the byte order update-ca-certificates uses
# (the default /etc/ca-certificates.conf lists mozilla/*.crt sorted).
mapfile -t certs < <(dpkg-query -L ca-certificates |
                     grep -E '^/usr/share/ca-certificates/mozilla/.*\.crt$' |
                     LC_ALL=C sort)
((${#certs[@]} > 0)) || { echo "update-ca: no certificates in ca-certificates" >&2; exit 1; }
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat "${certs[@]}" >"$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$out"
sum=$(sha256sum "$out" | cut -d' ' -f1)

cat >"$readme" <<README
# deploy/ca/

\`ca-certificates.crt\` is the CA bundle copied into every worker image at
\`/etc/ssl/certs/ca-certificates.crt\` (\`SSL_CERT_FILE\` points there). It is
pinned: committed here, so an image's digest does not change when the build
machine's \`ca-certificates\` package does.

It is the concatenation, in sorted file-name order, of the Mozilla roots
(\`/usr/share/ca-certificates/mozilla/*.crt\`) of Debian's \`ca-certificates\`
package, the same bytes \`update-ca-certificates\` writes with the default
configuration, minus any machine-local CA.

Source (written by \`make update-ca\`, checked by tests/integration/test_images.sh):

    package: ca-certificates $version
    certificates: ${#certs[@]}
    sha256: $sum

To refresh: upgrade \`ca-certificates\` on the build machine, run
\`make update-ca\`, review the diff and commit both files. Every image digest
changes with it.
README
echo "update-ca: ca-certificates $version, ${#certs[@]} certificates, sha256 $sum"
