#!/bin/bash
# tests/guest-shadow.sh again, with the guest tables published in deltas.
export LEASE_DB_DELTA_MIN=1 LEASE_DB_DELTA_MAX=4 LEASE_DB_DELTA_DIV=1
. "$TOP_SRCDIR/tests/guest-shadow.sh"
