#!/usr/bin/env bash
# Installs Debian's python3-botocore, the independent SigV4 implementation that
# test/s3/botocore-oracle.test.ts compares openraz's presigned URLs with.
#
# Usage: bash scripts/botocore.sh install|check
#
#   install  Returns at once when /usr/bin/python3 imports botocore. Otherwise installs the
#            Debian package python3-botocore (and with it python3) with apt-get (needs root).
#   check    Prints the botocore version and path. Exits 0 when it imports, 3 otherwise.
#
# The tests use Debian's /usr/bin/python3 and never a python3 found on PATH (pyenv, a
# virtualenv), so the botocore that signs is the one this script installs.
set -Eeuo pipefail

python=/usr/bin/python3
package=python3-botocore

imports_botocore() {
  [[ -x $python ]] && "$python" -I -c 'import botocore.auth' 2>/dev/null
}

install() {
  imports_botocore && return 0
  if ((EUID != 0)); then
    echo "botocore: error: $python cannot import botocore. Install it with: sudo apt-get install $package" >&2
    exit 1
  fi

  echo "botocore: installing $package with apt-get ..."
  local apt_log
  apt_log=$(mktemp -t openraz-botocore-apt.XXXXXX.log)
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package"; } >"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    echo "botocore: error: apt-get install $package failed; the full output is in $apt_log" >&2
    exit 1
  fi
  rm -f "$apt_log"
  if ! imports_botocore; then
    echo "botocore: error: $python still cannot import botocore after installing $package" >&2
    exit 1
  fi
}

check() {
  if ! imports_botocore; then
    echo "botocore: $python cannot import botocore"
    exit 3
  fi
  "$python" -I -c 'import botocore; print(f"botocore {botocore.__version__} at {botocore.__file__}")'
}

case ${1:-} in
  install) install ;;
  check) check ;;
  *)
    echo "usage: bash $0 install|check" >&2
    exit 2
    ;;
esac
