#!/bin/sh
# The builder stage of every service image compiles our own code (which, unlike the
# libraries, keeps its sources, for tracebacks and for reading in a running container).
#
#   compile-code.sh DIR...
#
# The root filesystem is read-only at run time, so byte code is compiled now. Hash-based
# .pyc files stay valid whatever timestamps the copy into the runtime stage gives the
# sources; "unchecked" because the sources in an image never change.
set -eu
python3 -m compileall -q --invalidation-mode unchecked-hash "$@"
