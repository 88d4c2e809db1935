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

/* The string value of key in o, or NULL (absent, not a string, or with a
 * NUL inside). */
const char *ldb_json_get_str(json_object *o, const char *key);

/* o as libvirt's helper formats its files (owned by o). */
const char *ldb_json_libvirt_text(json_object *o);

/* o formatted as an element of such a file's top-level array: the text
 * between "[\n" and "\n]", or between two ",\n". malloc'd; NULL when out
 * of memory. */
char *ldb_json_element_text(json_object *o, size_t *len);

#endif
