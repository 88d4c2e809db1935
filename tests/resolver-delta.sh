#!/bin/bash
# tests/resolver.sh again, with every publication after the first a delta
# over the base (and a new base every few events).
export LEASE_DB_DELTA_MIN=1 LEASE_DB_DELTA_MAX=4 LEASE_DB_DELTA_DIV=1
. "$TOP_SRCDIR/tests/resolver.sh"
