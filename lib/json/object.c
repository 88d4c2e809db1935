#include "config.h"

#include <errno.h>

#include "json/object.h"

static int add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int ldb_json_add_str(json_object *o, const char *key, struct ldb_str val)
{
	if (val.len == 0)
		return 0;
	return add(o, key, json_object_new_string_len(val.p, (int)val.len));
}

int ldb_json_add_int(json_object *o, const char *key, int64_t val)
{
	return add(o, key, json_object_new_int64(val));
}
