#!/bin/sh
# Installs a released oubliette binary: detects OS and architecture, downloads the archive and
# SHA256SUMS of the latest release (or --version X), verifies the checksum and, when gh or
# cosign is installed, the archive's Sigstore bundle (signed by the release workflow), and only
# then installs to ~/.local/bin (or <prefix>/bin with --prefix). POSIX sh; needs curl or wget,
# tar, and sha256sum or shasum.
#
#   curl -fsSL https://raw.githubusercontent.com/hyphagroup/oubliette/main/scripts/install.sh | sh
#   sh install.sh --version 1.4.0 --prefix /usr/local
#
# OUBLIETTE_RELEASES_URL overrides the releases API (default: GitHub's for hyphagroup/oubliette).
set -eu

api="${OUBLIETTE_RELEASES_URL:-https://api.github.com/repos/hyphagroup/oubliette}"
api="${api%/}"
version=""
prefix="${HOME:-}/.local"
require_signature=""

fail() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }
note() { printf 'install.sh: %s\n' "$*" >&2; }

usage() {
    cat <<'USAGE'
usage: install.sh [--version X] [--prefix DIR] [--require-signature]
  --version X           install release X (e.g. 1.4.0) instead of the latest stable one
  --prefix DIR          install to DIR/bin (default: ~/.local, so ~/.local/bin)
  --require-signature   refuse to install unless the archive's Sigstore bundle was verified
                        (needs gh or cosign), rather than fall back to the checksum alone
USAGE
}

while [ $# -gt 0 ]; do
    case "$1" in
        --version) [ $# -ge 2 ] || fail "--version needs a value"; version="${2#v}"; shift 2 ;;
        --version=*) version="${1#--version=}"; version="${version#v}"; shift ;;
        --prefix) [ $# -ge 2 ] || fail "--prefix needs a value"; prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        --require-signature) require_signature=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; fail "unknown argument: $1" ;;
    esac
done
[ -n "$prefix" ] || fail "no --prefix given and HOME is not set"

case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=macos ;;
    *) fail "no release binaries for $(uname -s); build from source (swift build -c release)" ;;
esac
case "$(uname -m)" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) fail "no release binaries for $(uname -m); build from source (swift build -c release)" ;;
esac

# Every network wait has a deadline, so an offline machine gets an answer, not a hang.
if command -v curl >/dev/null 2>&1; then
    fetch() { curl -fsSL --proto '=https,http' --connect-timeout 10 --max-time 300 -H 'User-Agent: oubliette-install' -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
    fetch() { wget -q -T 30 -t 1 -U oubliette-install -O "$2" "$1"; }
else
    fail "neither curl nor wget is installed; install one and run this again"
fi
if command -v sha256sum >/dev/null 2>&1; then
    sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
    sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
    fail "neither sha256sum nor shasum is installed; cannot verify the download"
fi

scratch="$(mktemp -d "${TMPDIR:-/tmp}/oubliette-install.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT INT TERM

if [ -n "$version" ]; then
    release_url="$api/releases/tags/v$version"
else
    release_url="$api/releases/latest"
fi
fetch "$release_url" "$scratch/release.json" \
    || fail "cannot read $release_url; check the network, the version${version:+ ($version)} and OUBLIETTE_RELEASES_URL"

# The release JSON's tag and asset URLs, without a JSON parser.
tag="$(tr ',{}' '\n\n\n' < "$scratch/release.json" | sed -n 's/^[[:space:]]*"tag_name"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1)"
[ -n "$tag" ] || fail "$release_url did not describe a release"
resolved="${tag#v}"
archive="oubliette-$resolved-$os-$arch.tar.gz"
asset_url() {
    tr ',{}' '\n\n\n' < "$scratch/release.json" \
        | sed -n 's/^[[:space:]]*"browser_download_url"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' \
        | grep "/$1\$" | head -n 1
}
archive_url="$(asset_url "$archive")" || true
sums_url="$(asset_url SHA256SUMS)" || true
[ -n "$archive_url" ] || fail "release $tag has no $archive; this platform may not be published for it"
[ -n "$sums_url" ] || fail "release $tag has no SHA256SUMS; refusing to install an unverified binary"

note "downloading $archive ($tag)"
fetch "$sums_url" "$scratch/SHA256SUMS" || fail "cannot download $sums_url; nothing was installed"
fetch "$archive_url" "$scratch/$archive" || fail "cannot download $archive_url (interrupted or truncated); nothing was installed"

expected="$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1; exit }' "$scratch/SHA256SUMS")"
[ -n "$expected" ] || fail "SHA256SUMS has no line for $archive; refusing to install an unverified binary"
actual="$(sha256 "$scratch/$archive")"
[ "$actual" = "$expected" ] \
    || fail "$archive has SHA-256 $actual but SHA256SUMS says $expected; refusing to install it (nothing was installed)"

# Who built it: the archive's Sigstore bundle (the release workflow's attestation), checked
# with gh or cosign when one is installed. SHA256SUMS comes from the same server as the
# archive, so on its own it proves only that the download is intact.
repo="hyphagroup/oubliette"
case "$api" in
    https://api.github.com/repos/*/*/*) ;;
    https://api.github.com/repos/*/*) repo="${api#https://api.github.com/repos/}" ;;
esac
identity="https://github.com/$repo/.github/workflows/release.yml@refs/tags/$tag"
issuer="https://token.actions.githubusercontent.com"
bundle="$scratch/$archive.sigstore.json"
bundle_url="$(asset_url "$archive.sigstore.json")" || true
# gh and cosign may fetch Sigstore's trust root: bound the wait where timeout(1) exists.
limited() { if command -v timeout >/dev/null 2>&1; then timeout 180 "$@"; else "$@"; fi; }
if [ -z "$bundle_url" ]; then
    [ -z "$require_signature" ] || fail "release $tag has no $archive.sigstore.json and --require-signature was given; nothing was installed"
    note "release $tag has no $archive.sigstore.json: only the SHA-256 checksum was checked, not who built the archive"
elif command -v gh >/dev/null 2>&1; then
    fetch "$bundle_url" "$bundle" || fail "cannot download $bundle_url; nothing was installed"
    note "verifying the Sigstore bundle with gh attestation verify"
    limited gh attestation verify "$scratch/$archive" --bundle "$bundle" --repo "$repo" \
        --cert-identity "$identity" --cert-oidc-issuer "$issuer" >&2 \
        || fail "gh attestation verify refused $archive (not signed by $identity); nothing was installed"
    note "signature verified: $archive was built by $identity"
elif command -v cosign >/dev/null 2>&1; then
    fetch "$bundle_url" "$bundle" || fail "cannot download $bundle_url; nothing was installed"
    note "verifying the Sigstore bundle with cosign verify-blob-attestation"
    # The bundle holds an in-toto provenance statement (actions/attest), not a bare signature.
    limited cosign verify-blob-attestation --bundle "$bundle" --new-bundle-format --type slsaprovenance1 \
        --certificate-identity "$identity" --certificate-oidc-issuer "$issuer" "$scratch/$archive" >&2 \
        || fail "cosign verify-blob-attestation refused $archive (not signed by $identity); nothing was installed"
    note "signature verified: $archive was built by $identity"
else
    [ -z "$require_signature" ] || fail "neither gh nor cosign is installed, so the archive's signature cannot be verified and --require-signature was given; install one, or omit the flag to rely on the checksum"
    note "neither gh nor cosign is installed: only the SHA-256 checksum was checked, not who built the archive (\`oubliette self-update\` verifies the signature natively)"
fi

mkdir "$scratch/unpacked"
tar -xzf "$scratch/$archive" -C "$scratch/unpacked" oubliette || fail "cannot unpack $archive"
bindir="$prefix/bin"
mkdir -p "$bindir" || fail "cannot create $bindir"
# As root, a directory others may write to lets them plant a file or symlink at any name we
# would use there: refuse it rather than write through what they planted.
if [ "$(id -u)" = 0 ] && [ -n "$(find "$bindir" -maxdepth 0 -perm -0002 2>/dev/null)" ]; then
    fail "$bindir is writable by other users; as root, install only into a directory only root can write (chmod o-w $bindir), or choose another --prefix"
fi
# Copy beside the target into a file only this run created (mktemp: a fresh, unpredictable
# name, created exclusively, never through a symlink), then rename over the target: a
# running oubliette is never half-replaced, and a symlink at the target is replaced, not followed.
staged="$(mktemp "$bindir/.oubliette.install.XXXXXX")" || fail "cannot create a file in $bindir; check that it is writable"
cat "$scratch/unpacked/oubliette" >"$staged" && chmod 755 "$staged" && mv -f "$staged" "$bindir/oubliette" \
    || { rm -f "$staged"; fail "cannot install into $bindir; check that it is writable"; }

note "installed oubliette $resolved to $bindir/oubliette"

# Shell completions and the man page come from the installed binary itself, so they always
# match it. Best effort: a failure here leaves the installed binary as it is.
share="$prefix/share"
extra() { # extra WHAT FILE ARG...: write `oubliette ARG...` to FILE, atomically
    what=$1 target=$2
    shift 2
    mkdir -p "$(dirname "$target")" 2>/dev/null \
        && "$bindir/oubliette" "$@" >"$target.tmp.$$" 2>/dev/null && [ -s "$target.tmp.$$" ] \
        && mv -f "$target.tmp.$$" "$target" && return 0
    rm -f "$target.tmp.$$"
    note "could not install the $what ($target); \`oubliette $*\` prints it"
}
extra "bash completion" "$share/bash-completion/completions/oubliette" --generate-completion-script bash
extra "zsh completion" "$share/zsh/site-functions/_oubliette" --generate-completion-script zsh
extra "fish completion" "$share/fish/vendor_completions.d/oubliette.fish" --generate-completion-script fish
extra "man page" "$share/man/man1/oubliette.1" --generate-manual
case ":${PATH:-}:" in
    *":$bindir:"*) ;;
    *) note "$bindir is not on PATH; add it (e.g. export PATH=\"$bindir:\$PATH\")" ;;
esac
