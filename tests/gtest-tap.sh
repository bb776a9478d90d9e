#!/bin/sh
# Run one GTest program so that it speaks TAP to automake's tap-driver.sh.
prog=$1
shift
exec "$prog" --tap "$@"
