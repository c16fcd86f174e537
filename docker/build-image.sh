#!/usr/bin/env bash
# Builds the Airbyte source image around a calllogs binary built on this
# machine (no compile inside a container, no base image to pull):
#
#   cargo build --release -p calllogs-cli --no-default-features --features calllogs/default
#   docker/build-image.sh target/release/calllogs            # -> airbyte/source-calllogs:VERSION
#   docker/build-image.sh BINARY TAG                         # another tag
#
# The engine is podman unless CONTAINER_ENGINE says otherwise (docker
# builds the same context). The binary is stripped into the image with the
# shared libraries `ldd` lists and the machine's CA certificates.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-target/release/calllogs}
[ -x "$bin" ] || { echo "build-image: $bin is not an executable calllogs binary" >&2; exit 2; }
version=$("$bin" --version | awk '{print $2}')
tag=${2:-airbyte/source-calllogs:$version}
engine=${CONTAINER_ENGINE:-podman}
certs=${CA_CERTIFICATES:-/etc/ssl/certs/ca-certificates.crt}
[ -r "$certs" ] || { echo "build-image: no CA certificates at $certs (Debian: ca-certificates)" >&2; exit 2; }

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
root=$ctx/rootfs
mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp"
chmod 1777 "$root/tmp"
if command -v strip >/dev/null 2>&1; then
  strip -o "$root/usr/local/bin/calllogs" "$bin"
else
  cp "$bin" "$root/usr/local/bin/calllogs"
fi
# Under this name the binary takes Airbyte's verb first (spec, check, discover, read).
ln -s calllogs "$root/usr/local/bin/calllogs-airbyte"
# The dynamic loader and the libraries it loads (libc, libm, libgcc_s).
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
  while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
cp -L "$certs" "$root/etc/ssl/certs/ca-certificates.crt"
# Name lookups (glibc reads these; the engine mounts resolv.conf and hosts).
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
printf 'root:x:0:0::/:/nonexistent\nairbyte:x:1000:1000::/tmp:/nonexistent\n' > "$root/etc/passwd"
printf 'root:x:0:\nairbyte:x:1000:\n' > "$root/etc/group"
cp "$here/Containerfile.scratch" "$ctx/Containerfile"
"$engine" build --quiet --build-arg "VERSION=$version" -t "$tag" "$ctx" >/dev/null
echo "$tag"
