/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "write/report.h"

/* One helper process handles one event: its last error is the reason the
 * event failed. Room for two paths and a parser's complaint; the message
 * goes out in one write, so dnsmasq logs it as one line. */
static char last[2 * PATH_MAX + 512];

void ldb_report_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last, sizeof(last), fmt, ap);
	va_end(ap);
	fprintf(stderr, "lease-db-helper: %s\n", last);
}

const char *ldb_report_last(void)
{
	return last;
}
