/*
 * test-trace.c: -trace globs, late registration, output lines, -d items.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <glib/gstdio.h>
#include "main/trace.h"

TRACE_EVENT_DEFINE(ttest_alpha_read);
TRACE_EVENT_DEFINE(ttest_alpha_write);
TRACE_EVENT_DEFINE(ttest_beta);
LOG_ITEM_DEFINE(ttest_item, "an item for the unit test");

static void test_glob(void)
{
    g_assert_false(trace_ev_ttest_alpha_read.enabled);
    g_assert_cmpint(trace_enable_pattern("ttest_alpha_*"), ==, 2);
    g_assert_true(trace_ev_ttest_alpha_read.enabled);
    g_assert_true(trace_ev_ttest_alpha_write.enabled);
    g_assert_false(trace_ev_ttest_beta.enabled);
    g_assert_cmpint(trace_enable_pattern("no_such_event*"), ==, 0);
    g_assert_cmpint(trace_enable_list("ttest_b?ta, nothing"), ==, 1);
    g_assert_true(trace_ev_ttest_beta.enabled);
    g_test_message("globs enable exactly the matching events; counts right");
}

static void test_late_registration(void)
{
    static TraceEvent late = { .name = "ttest_late_event" };
    static TraceEvent other = { .name = "ttest_other_event" };

    g_assert_cmpint(trace_enable_pattern("ttest_late_*"), ==, 0);
    trace_event_register(&late);
    trace_event_register(&other);
    g_assert_true(late.enabled);
    g_assert_false(other.enabled);
    g_test_message("a remembered pattern enables an event registered later");
}

static void test_output(void)
{
    g_autofree char *path = g_build_filename(g_get_tmp_dir(),
                                             "janus-test-trace.XXXXXX", NULL);
    g_autofree char *text = NULL;
    GError *err = NULL;
    int fd = g_mkstemp(path);

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_cmpint(trace_set_output(path, &err), ==, 0);
    trace(ttest_alpha_read, "as=I/O addr=0x%x len=%d %s", 0x3f8, 1, "write");
    trace(ttest_alpha_write, "%s", "");
    trace(ttest_beta, "n=%d", 7);
    log_printf("log line %d\n", 1);
    /* a line longer than the stack buffer */
    trace(ttest_alpha_read, "%0600d", 0);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_autofree char *long_zeros = g_strnfill(600, '0');
    g_autofree char *expect = g_strdup_printf(
        "ttest_alpha_read as=I/O addr=0x3f8 len=1 write\n"
        "ttest_alpha_write\n"
        "ttest_beta n=7\n"
        "log line 1\n"
        "ttest_alpha_read %s\n", long_zeros);
    g_assert_cmpstr(text, ==, expect);
    g_test_message("one line per event, \"NAME ARGS\", to the -D file");

    g_assert_cmpint(trace_set_output("/nonexistent-dir/x", &err), ==,
                    -ENOENT);
    g_assert_nonnull(strstr(err->message, "/nonexistent-dir/x"));
    g_test_message("a bad -D path: %s", err->message);
    g_clear_error(&err);
    g_unlink(path);
}

static void test_list(void)
{
    g_autofree char *path = g_build_filename(g_get_tmp_dir(),
                                             "janus-test-list.XXXXXX", NULL);
    g_autofree char *text = NULL;
    int fd = g_mkstemp(path);
    FILE *f = fdopen(fd, "w");

    trace_list_events(f);
    log_list_items(f);
    fclose(f);
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "ttest_alpha_read\nttest_alpha_write\n"
                            "ttest_beta\n"));
    g_assert_nonnull(strstr(text, "ttest_item"));
    g_test_message("-trace help lists events sorted; -d help lists items");
    g_unlink(path);
}

static void test_log_items(void)
{
    GError *err = NULL;

    g_assert_cmpint(log_enable_items("ttest_item,bogus", &err), ==, -EINVAL);
    g_assert_cmpstr(err->message, ==,
                    "-d bogus: not supported yet (-d help lists the items)");
    g_assert_false(log_enabled(ttest_item));    /* all or nothing */
    g_clear_error(&err);
    g_assert_cmpint(log_enable_items("ttest_item", &err), ==, 0);
    g_assert_true(log_enabled(ttest_item));
    g_test_message("-d accepts only defined items, all or nothing");
}

static gpointer emit_thread(gpointer opaque)
{
    for (int i = 0; i < 2000; i++) {
        trace(ttest_beta, "thread=%d i=%d padding=%s", GPOINTER_TO_INT(opaque),
              i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    }
    return NULL;
}

static void test_threads(void)
{
    g_autofree char *path = g_build_filename(g_get_tmp_dir(),
                                             "janus-test-thr.XXXXXX", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GThread *t[4];
    int fd = g_mkstemp(path);

    close(fd);
    g_assert_cmpint(trace_set_output(path, NULL), ==, 0);
    for (int i = 0; i < 4; i++) {
        t[i] = g_thread_new("emit", emit_thread, GINT_TO_POINTER(i));
    }
    for (int i = 0; i < 4; i++) {
        g_thread_join(t[i]);
    }
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 4 * 2000 + 1);
    for (int i = 0; i < 4 * 2000; i++) {
        g_assert_true(g_str_has_prefix(lines[i], "ttest_beta thread="));
        g_assert_true(g_str_has_suffix(lines[i], "xxxxx"));
    }
    g_test_message("8000 lines from 4 threads, none interleaved");
    g_unlink(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/trace/glob", test_glob);
    g_test_add_func("/trace/late-registration", test_late_registration);
    g_test_add_func("/trace/output", test_output);
    g_test_add_func("/trace/list", test_list);
    g_test_add_func("/trace/log-items", test_log_items);
    g_test_add_func("/trace/threads", test_threads);
    return g_test_run();
}
