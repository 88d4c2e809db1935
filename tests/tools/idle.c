/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Do nothing until killed, whatever the arguments: started under another
 * name (bash's exec -a dnsmasq), it is a process that lease-db-dump --check
 * takes for a dnsmasq with that command line.
 */
#include "config.h"

#include <unistd.h>

int main(void)
{
	for (;;)
		pause();
}
