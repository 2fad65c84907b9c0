/*
 * opts.c: "name,key=val,..." option strings and sizes, QEMU's syntax.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "main/opts.h"

/*
 * Copy one element of @p up to an unescaped ',' into @out (",," becomes
 * ','); returns where the next element starts, or NULL at the end.
 */
static const char *opts_next_element(const char *p, GString *out)
{
    g_string_truncate(out, 0);
    for (;;) {
        if (*p == '\0') {
            return NULL;
        }
        if (*p == ',') {
            if (p[1] != ',') {
                return p + 1;
            }
            p++;                /* ",," is a literal comma */
        }
        g_string_append_c(out, *p++);
    }
}

void opts_set(Opts *o, const char *key, const char *val)
{
    if (!g_hash_table_contains(o->props, key)) {
        g_ptr_array_add(o->keys, g_strdup(key));
    }
    g_hash_table_replace(o->props, g_strdup(key), g_strdup(val));
}

Opts *opts_parse(const char *str, bool implied_name, GError **errp)
{
    Opts *o = g_new0(Opts, 1);
    g_autoptr(GString) el = g_string_new(NULL);
    const char *p = str;
    bool first = true;

    o->props = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    o->used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    o->keys = g_ptr_array_new_with_free_func(g_free);
    o->name = g_strdup("");

    /* "" is a valid, empty option string (e.g. "-machine ''") */
    while (p && *p) {
        const char *eq;

        p = opts_next_element(p, el);
        if (el->len == 0) {
            g_set_error(errp, JANUS_ERROR, 0, "'%s': empty parameter", str);
            goto fail;
        }
        eq = strchr(el->str, '=');
        if (first && implied_name && !eq) {
            g_free(o->name);
            o->name = g_strdup(el->str);
        } else if (!eq) {
            opts_set(o, el->str, "on");
        } else if (eq == el->str) {
            g_set_error(errp, JANUS_ERROR, 0, "'%s': parameter without a name",
                        str);
            goto fail;
        } else {
            g_autofree char *key = g_strndup(el->str, eq - el->str);
            opts_set(o, key, eq + 1);
        }
        first = false;
        if (p && *p == '\0') {
            g_set_error(errp, JANUS_ERROR, 0, "'%s': empty parameter", str);
            goto fail;
        }
    }
    return o;

fail:
    opts_free(o);
    return NULL;
}

void opts_free(Opts *o)
{
    if (!o) {
        return;
    }
    g_free(o->name);
    g_hash_table_unref(o->props);
    g_hash_table_unref(o->used);
    g_ptr_array_unref(o->keys);
    g_free(o);
}

const char *opts_get(Opts *o, const char *key)
{
    const char *val = g_hash_table_lookup(o->props, key);

    if (val) {
        g_hash_table_add(o->used, g_strdup(key));
    }
    return val;
}

int parse_uint(const char *str, uint64_t *out)
{
    const char *p = str;
    unsigned base = 10;
    uint64_t val = 0;

    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!g_ascii_isxdigit(*p)) {
        return -EINVAL;
    }
    for (; *p; p++) {
        int d = g_ascii_xdigit_value(*p);

        if (d < 0 || (unsigned)d >= base) {
            return -EINVAL;
        }
        if (val > (UINT64_MAX - d) / base) {
            return -ERANGE;
        }
        val = val * base + d;
    }
    *out = val;
    return 0;
}

int opts_get_uint(Opts *o, const char *key, uint64_t def, uint64_t *out,
                  GError **errp)
{
    const char *val = opts_get(o, key);
    int ret;

    if (!val) {
        *out = def;
        return 0;
    }
    ret = parse_uint(val, out);
    if (ret < 0) {
        g_set_error(errp, JANUS_ERROR, 0, "%s=%s: %s", key, val,
                    ret == -ERANGE ? "number too large"
                                   : "not an unsigned number");
        return -EINVAL;
    }
    return 0;
}

int opts_get_bool(Opts *o, const char *key, bool def, bool *out,
                  GError **errp)
{
    static const char *const yes[] = { "on", "true", "yes", "y" };
    static const char *const no[] = { "off", "false", "no", "n" };
    const char *val = opts_get(o, key);

    if (!val) {
        *out = def;
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (!strcmp(val, yes[i])) {
            *out = true;
            return 0;
        }
        if (!strcmp(val, no[i])) {
            *out = false;
            return 0;
        }
    }
    g_set_error(errp, JANUS_ERROR, 0, "%s=%s: expected on or off", key, val);
    return -EINVAL;
}

int opts_check_unused(Opts *o, const char *what, GError **errp)
{
    for (guint i = 0; i < o->keys->len; i++) {
        const char *key = g_ptr_array_index(o->keys, i);

        if (!g_hash_table_contains(o->used, key)) {
            g_set_error(errp, JANUS_ERROR, 0, "%s: unknown property '%s'",
                        what, key);
            return -EINVAL;
        }
    }
    return 0;
}

static int size_error(const char *str, int err, GError **errp)
{
    if (err == -ERANGE) {
        g_set_error(errp, JANUS_ERROR, 0, "size '%s' is too large", str);
    } else {
        g_set_error(errp, JANUS_ERROR, 0, "invalid size '%s'", str);
    }
    return err;
}

int parse_size(const char *str, bool default_mib, uint64_t *out,
               GError **errp)
{
    const char *p = str;
    uint64_t whole = 0, frac = 0, frac_div = 1, mult;
    unsigned __int128 val;

    if (!g_ascii_isdigit(*p)) {
        return size_error(str, -EINVAL, errp);
    }
    for (; g_ascii_isdigit(*p); p++) {
        unsigned d = *p - '0';

        if (whole > (UINT64_MAX - d) / 10) {
            return size_error(str, -ERANGE, errp);
        }
        whole = whole * 10 + d;
    }
    if (*p == '.') {                    /* "1.5G", as QEMU accepts */
        p++;
        if (!g_ascii_isdigit(*p)) {
            return size_error(str, -EINVAL, errp);
        }
        for (; g_ascii_isdigit(*p); p++) {
            /* digits past 10^-18 cannot change a 64-bit result */
            if (frac_div < 1000000000000000000ULL) {
                frac = frac * 10 + (*p - '0');
                frac_div *= 10;
            }
        }
    }
    switch (g_ascii_toupper(*p)) {
    case '\0': mult = default_mib ? MiB : 1; break;
    case 'B': mult = 1; break;
    case 'K': mult = KiB; break;
    case 'M': mult = MiB; break;
    case 'G': mult = GiB; break;
    case 'T': mult = 1024 * GiB; break;
    case 'P': mult = 1024 * 1024 * GiB; break;
    case 'E': mult = 1024 * 1024 * 1024 * GiB; break;
    default:
        return size_error(str, -EINVAL, errp);
    }
    if (*p && p[1]) {
        return size_error(str, -EINVAL, errp);
    }
    val = (unsigned __int128)whole * mult + (unsigned __int128)frac * mult
          / frac_div;
    if (val > UINT64_MAX) {
        return size_error(str, -ERANGE, errp);
    }
    *out = (uint64_t)val;
    return 0;
}
