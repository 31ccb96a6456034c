#!/bin/sh
# The builder stage of every service image (services/*/Dockerfile): one virtual environment
# holding the service's libraries, ready to be copied whole into the runtime stage.
#
#   install-venv.sh VENV CONSTRAINTS REQUIREMENTS...
#
# PIP_SOURCE (the Dockerfile's build argument) says where the wheels come from: `index`
# (PyPI, or whatever pip is configured with) or `wheelhouse` (only $WHEELHOUSE, default
# /wheelhouse: wheels made on the host with `pip wheel -c constraints.txt`, for builders
# that cannot reach PyPI).
#
# pip and setuptools stay behind: nothing installs at run time. The libraries ship as byte
# code only: the root filesystem is read-only at run time, so byte code must be in the
# image (without it start-up takes over a second longer), and byte code next to the
# sources doubled their size.
set -eu

if [ "$#" -lt 3 ]; then
    echo "usage: $0 VENV CONSTRAINTS REQUIREMENTS..." >&2
    exit 2
fi
venv=$1
constraints=$2
shift 2

# "-r FILE" for every requirements file, in place of the bare names.
for requirements do
    set -- "$@" -r "$requirements"
    shift
done

case "${PIP_SOURCE:-index}" in
    index) ;;
    wheelhouse) set -- "$@" --no-index --find-links "${WHEELHOUSE:-/wheelhouse}" ;;
    *) echo "PIP_SOURCE must be 'index' or 'wheelhouse', not '$PIP_SOURCE'" >&2; exit 2 ;;
esac

python3 -m venv "$venv"
"$venv/bin/pip" install --no-cache-dir --no-compile --disable-pip-version-check \
    -c "$constraints" "$@"
"$venv/bin/pip" uninstall --yes --quiet pip setuptools 2>/dev/null || true
# gevent's and greenlet's own test suites (2.7 MB), which nothing imports.
rm -rf "$venv"/lib/python*/site-packages/gevent/tests "$venv"/lib/python*/site-packages/gevent/testing \
    "$venv"/lib/python*/site-packages/greenlet/tests
"$venv/bin/python" -m compileall -q -b "$venv/lib"
find "$venv/lib" \( -name '*.py' -o -name __pycache__ \) -prune -exec rm -rf {} +
