#!/bin/sh
# Offline install of terraform-provider-sdn from this bundle: no package index, no network.
#   ./install.sh [PREFIX]        (default PREFIX: ~/.terraform.d/sdn; PYTHON=python3.12 to pick the interpreter)
# Creates PREFIX/venv from the bundled wheelhouse (pip --no-index), then the filesystem mirror PREFIX/mirror
# and the Terraform CLI config PREFIX/terraform.rc (`terraform-provider-sdn install`).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${1:-"$HOME/.terraform.d/sdn"}
python=${PYTHON:-python3}
version=$(cat "$here/VERSION")

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "install.sh: $python is $("$python" -V 2>&1); terraform-provider-sdn needs CPython 3.11 or newer" >&2
    exit 1
fi
"$python" -m venv "$prefix/venv"
# The wheelhouse only: --no-index, and neither this host's pip config files nor its PIP_* variables.
env -i PATH="$PATH" HOME="$HOME" PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 \
    "$prefix/venv/bin/python" -m pip install --quiet --no-index --find-links "$here/wheelhouse" \
    "terraform-provider-sdn==$version"
"$prefix/venv/bin/terraform-provider-sdn" install --mirror "$prefix/mirror" --cli-config "$prefix/terraform.rc"
