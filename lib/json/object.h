/* Small json-c helpers shared by the helper's libvirt files and lease-db-dump. */
#ifndef LDB_JSON_OBJECT_H
#define LDB_JSON_OBJECT_H

#include <json-c/json.h>
#include <stdint.h>

#include "core/str.h"

/* Add key: value to object o; an empty value adds nothing. Takes care of
 * the new value on failure. 0 or -ENOMEM. */
int ldb_json_add_str(json_object *o, const char *key, struct ldb_str val);
int ldb_json_add_int(json_object *o, const char *key, int64_t val);

#endif
