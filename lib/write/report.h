/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The helper's error messages: printed on stderr for dnsmasq's log, and
 * the last one kept so that a failed event can be recorded in the master
 * with its reason (write/failure.h) for lease-db-dump --check. */
#ifndef LDB_WRITE_REPORT_H
#define LDB_WRITE_REPORT_H

/* Print "lease-db-helper: <message>" on stderr and keep the message. */
__attribute__((format(printf, 1, 2))) void ldb_report_error(const char *fmt, ...);

/* The last message ldb_report_error() printed ("" when none). */
const char *ldb_report_last(void);

#endif
