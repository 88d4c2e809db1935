#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* libvirt's helper writes its files in this format (virJSON's pretty
 * printer): two-space indents, "key": value. */
#define LIBVIRT_FORMAT                                                                             \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

const char *ldb_json_get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	/* "\u0000" inside a string would silently shorten it. */
	if (strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return NULL;
	return json_object_get_string(v);
}

/* json-c escapes control characters as \u001f, libvirt's helper (yajl)
 * as \u001F: the hex digits of every \u escape in text, upper-cased in
 * place. Only strings hold backslashes. */
static void yajl_case(char *text)
{
	for (char *p = text; *p; p++) {
		if (*p != '\\')
			continue;
		if (!*++p)
			break;
		if (*p != 'u')
			continue;
		for (int i = 0; i < 4 && p[1]; i++, p++)
			if (p[1] >= 'a' && p[1] <= 'f')
				p[1] = (char)(p[1] - 'a' + 'A');
	}
}

const char *ldb_json_libvirt_text(json_object *o)
{
	return json_object_to_json_string_ext(o, LIBVIRT_FORMAT);
}

char *ldb_json_element_text(json_object *o, size_t *len)
{
	json_object *arr = json_object_new_array();
	const char *t;
	char *out = NULL;
	size_t n;

	if (!arr)
		return NULL;
	if (json_object_array_add(arr, json_object_get(o)) < 0) {
		json_object_put(o);
		json_object_put(arr);
		return NULL;
	}
	/* An array prints as "[\n", its elements joined by ",\n", "\n]". */
	t = ldb_json_libvirt_text(arr);
	n = t ? strlen(t) : 0;
	if (n >= 4 && memcmp(t, "[\n", 2) == 0 && memcmp(t + n - 2, "\n]", 2) == 0) {
		out = strndup(t + 2, n - 4);
		*len = n - 4;
		if (out)
			yajl_case(out);
	}
	json_object_put(arr);
	return out;
}
