/*
 * test-opts.c: option strings (-device/-machine syntax) and sizes (-m).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include "main/opts.h"

static void test_parse_basic(void)
{
    g_autoptr(GError) err = NULL;
    Opts *o = opts_parse("hitb,addr=04.0,debug", true, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(o->name, ==, "hitb");
    g_assert_cmpstr(opts_get(o, "addr"), ==, "04.0");
    g_assert_cmpstr(opts_get(o, "debug"), ==, "on");   /* bare key = on */
    g_assert_null(opts_get(o, "missing"));
    g_test_message("name, key=val and bare keys parse as QEMU's");
    opts_free(o);
}

static void test_parse_escapes(void)
{
    g_autoptr(GError) err = NULL;
    Opts *o = opts_parse("file:a,,b,path=x,,y,,,z=1", true, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(o->name, ==, "file:a,b");
    g_assert_cmpstr(opts_get(o, "path"), ==, "x,y,");
    g_assert_cmpstr(opts_get(o, "z"), ==, "1");
    g_test_message("',,' is a literal comma in names and values");
    opts_free(o);
}

static void test_parse_no_name(void)
{
    g_autoptr(GError) err = NULL;
    Opts *o = opts_parse("size=512M", true, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(o->name, ==, "");
    g_assert_cmpstr(opts_get(o, "size"), ==, "512M");
    opts_free(o);

    o = opts_parse("cpus", false, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(o->name, ==, "");
    g_assert_cmpstr(opts_get(o, "cpus"), ==, "on");
    opts_free(o);

    o = opts_parse("", true, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(o->name, ==, "");
    g_test_message("a first k=v or implied_name=false leaves the name empty");
    opts_free(o);
}

static void test_parse_errors(void)
{
    static const char *const bad[] = { "pc,", "pc,,,", ",a=1", "pc,=1",
                                       "pc,a=1,,,", "a=1,,,,,"};

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *err = NULL;
        Opts *o = opts_parse(bad[i], true, &err);

        g_assert_null(o);
        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err->message, bad[i]));
        g_test_message("'%s' rejected: %s", bad[i], err->message);
        g_error_free(err);
    }
}

static void test_duplicates_and_unused(void)
{
    g_autoptr(GError) err = NULL;
    Opts *o = opts_parse("dev,a=1,b=2,a=3,c=4", true, NULL);

    g_assert_cmpstr(opts_get(o, "a"), ==, "3");
    g_assert_cmpint(opts_check_unused(o, "-device dev", &err), ==, -EINVAL);
    /* the first unused key in command-line order */
    g_assert_cmpstr(err->message, ==, "-device dev: unknown property 'b'");
    g_clear_error(&err);
    opts_get(o, "b");
    opts_get(o, "c");
    g_assert_cmpint(opts_check_unused(o, "-device dev", &err), ==, 0);
    g_assert_no_error(err);
    g_test_message("later duplicates win; check_unused names the first "
                   "unread key");
    opts_free(o);
}

static void test_get_uint_bool(void)
{
    Opts *o = opts_parse("x,h=0x1F,d=010,neg=-1,big=18446744073709551616,"
                         "junk=12a,t=yes,f=off,bad=maybe", true, NULL);
    GError *err = NULL;
    uint64_t v;
    bool b;

    g_assert_cmpint(opts_get_uint(o, "h", 0, &v, &err), ==, 0);
    g_assert_cmpuint(v, ==, 0x1f);
    g_assert_cmpint(opts_get_uint(o, "d", 0, &v, &err), ==, 0);
    g_assert_cmpuint(v, ==, 10);                 /* decimal, not octal */
    g_assert_cmpint(opts_get_uint(o, "missing", 7, &v, &err), ==, 0);
    g_assert_cmpuint(v, ==, 7);
    g_assert_no_error(err);
    static const char *const bad[] = { "neg", "big", "junk" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmpint(opts_get_uint(o, bad[i], 0, &v, &err), ==, -EINVAL);
        g_assert_nonnull(strstr(err->message, bad[i]));
        g_test_message("uint %s rejected: %s", bad[i], err->message);
        g_clear_error(&err);
    }
    g_assert_cmpint(opts_get_bool(o, "t", false, &b, &err), ==, 0);
    g_assert_true(b);
    g_assert_cmpint(opts_get_bool(o, "f", true, &b, &err), ==, 0);
    g_assert_false(b);
    g_assert_cmpint(opts_get_bool(o, "none", true, &b, &err), ==, 0);
    g_assert_true(b);
    g_assert_cmpint(opts_get_bool(o, "bad", true, &b, &err), ==, -EINVAL);
    g_assert_nonnull(strstr(err->message, "maybe"));
    g_clear_error(&err);
    g_test_message("uint: hex and decimal; bool: on/off/yes/no/true/false");
    opts_free(o);
}

static void test_parse_size(void)
{
    static const struct {
        const char *text;
        bool mib;
        int ret;
        uint64_t val;
    } cases[] = {
        { "256M", true, 0, 256 * MiB },
        { "256", true, 0, 256 * MiB },      /* -m: no suffix = MiB */
        { "256", false, 0, 256 },
        { "1G", true, 0, GiB },
        { "1g", true, 0, GiB },
        { "1.5G", true, 0, GiB + 512 * MiB },
        { "4k", false, 0, 4096 },
        { "100B", true, 0, 100 },
        { "0", true, 0, 0 },                /* range checks are the caller's */
        { "16383P", false, 0, 16383ULL << 50 },
        { "15E", false, 0, 15ULL << 60 },
        { "16E", false, -ERANGE, 0 },
        { "99999999999999999999", false, -ERANGE, 0 },
        { "18446744073709551615", false, 0, UINT64_MAX },
        { "17179869184G", true, -ERANGE, 0 },
        { "", true, -EINVAL, 0 },
        { "abc", true, -EINVAL, 0 },
        { "-1", true, -EINVAL, 0 },
        { " 1", true, -EINVAL, 0 },
        { "1 ", true, -EINVAL, 0 },
        { "12Q", true, -EINVAL, 0 },
        { "1GB", true, -EINVAL, 0 },
        { "1.", true, -EINVAL, 0 },
        { ".5G", true, -EINVAL, 0 },
        { "0x10", true, -EINVAL, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;
        uint64_t v = 0;
        int ret = parse_size(cases[i].text, cases[i].mib, &v, &err);

        g_test_message("parse_size('%s', %s) = %d, %" PRIu64,
                       cases[i].text, cases[i].mib ? "MiB" : "bytes", ret, v);
        g_assert_cmpint(ret, ==, cases[i].ret);
        if (ret == 0) {
            g_assert_no_error(err);
            g_assert_cmpuint(v, ==, cases[i].val);
        } else {
            g_assert_nonnull(err);
            g_assert_nonnull(strstr(err->message, cases[i].text));
            g_error_free(err);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/opts/parse/basic", test_parse_basic);
    g_test_add_func("/opts/parse/escapes", test_parse_escapes);
    g_test_add_func("/opts/parse/no-name", test_parse_no_name);
    g_test_add_func("/opts/parse/errors", test_parse_errors);
    g_test_add_func("/opts/duplicates-unused", test_duplicates_and_unused);
    g_test_add_func("/opts/get-uint-bool", test_get_uint_bool);
    g_test_add_func("/opts/parse-size", test_parse_size);
    return g_test_run();
}
