/*
 * test-hw-misc.c: the small ISA devices: isa-debug-exit (exit status
 * rule and property checks), pc-testdev (latch widths, IRQ lines, iomem),
 * port92 and port80.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <unistd.h>
#include "main/main-loop.h"
#include "main/trace.h"
#include "hw-test.h"

static Machine *m;
static char trace_path[] = "/tmp/janus-test-hw-misc-XXXXXX";

/* ---- isa-debug-exit ------------------------------------------------------ */

typedef struct ExitCase {
    const char *path;
    uint32_t val;
    unsigned size;
    int status;     /* what vm_request_shutdown must receive */
} ExitCase;

static const ExitCase exit_cases[] = {
    { "/misc/debug-exit/child/0", 0x00, 1, 1 },
    { "/misc/debug-exit/child/1", 0x01, 1, 3 },
    { "/misc/debug-exit/child/0x10", 0x10, 1, 0x21 },
    { "/misc/debug-exit/child/0x7f-long", 0x7f, 4, 0xff },
    { "/misc/debug-exit/child/0x1234-word", 0x1234, 2, 0x2469 },
};

/* Runs in a fresh subprocess: one shutdown request per process. */
static void debug_exit_child(gconstpointer data)
{
    const ExitCase *c = data;

    if (!g_test_subprocess()) {
        return;
    }
    g_assert_false(vm_shutdown_requested());
    io_write(0xf4, c->val, c->size);
    g_assert_true(vm_shutdown_requested());
    /* main_loop_run returns the code of the first request at once */
    printf("status=%d\n", main_loop_run());
    fflush(stdout);
}

static void test_debug_exit_status(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(exit_cases); i++) {
        const ExitCase *c = &exit_cases[i];
        g_autofree char *want = g_strdup_printf("*status=%d\n*", c->status);

        g_test_trap_subprocess(c->path, 0, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_passed();
        g_test_trap_assert_stdout(want);
        g_test_message("write 0x%x (%u bytes) -> status %d (0x%x)", c->val,
                       c->size, c->status, c->status);
    }
}

static void test_debug_exit_props(void)
{
    static const char *const bad[] = {
        "isa-debug-exit,iosize=3",
        "isa-debug-exit,iobase=0xffff,iosize=2",
        "isa-debug-exit,iobase=0x10000",
        "isa-debug-exit,iobase=banana",
        "isa-debug-exit,color=red",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;

        g_assert_cmpint(hw_test_create(m, bad[i], &err), <, 0);
        g_assert_nonnull(err);
        g_test_message("%s: %s", bad[i], err->message);
    }
    /* the default is QEMU's: 0x501, 2 ports; reads float high */
    g_assert_cmphex(io_read(0x501, 1), ==, 0xff);
    g_assert_false(vm_shutdown_requested());
}

/* ---- pc-testdev ----------------------------------------------------------- */

static void test_testdev_ioport(void)
{
    io_write(0xe0, 0x12345678, 4);
    g_assert_cmphex(io_read(0xe0, 4), ==, 0x12345678);
    g_assert_cmphex(io_read(0xe0, 1), ==, 0x78);
    g_assert_cmphex(io_read(0xe1, 1), ==, 0x56);
    g_assert_cmphex(io_read(0xe2, 2), ==, 0x1234);
    g_assert_cmphex(io_read(0xe0, 2), ==, 0x5678);
    io_write(0xe1, 0xaa, 1);
    g_assert_cmphex(io_read(0xe0, 4), ==, 0x1234aa78);
    io_write(0xe2, 0xbeef, 2);
    g_assert_cmphex(io_read(0xe0, 4), ==, 0xbeefaa78);
    /* misaligned: QEMU refuses them (write dropped, read 0) */
    io_write(0xe1, 0x1122, 2);
    io_write(0xe9, 0x1122, 2);
    g_assert_cmphex(io_read(0xe0, 4), ==, 0xbeefaa78);
    g_assert_cmphex(io_read(0xe1, 2), ==, 0);
    g_assert_cmphex(io_read(0xe9, 2), ==, 0);
    /* the byte-wise window shares the latch */
    g_assert_cmphex(io_read(0xe8, 4), ==, 0xbeefaa78);
    io_write(0xe8, 0x01020304, 4);
    g_assert_cmphex(io_read(0xe0, 4), ==, 0x01020304);
    /* what rep outsb/insb on port 0xe0 do: every byte hits offset 0 */
    for (const char *p = "abcd"; *p; p++) {
        io_write(0xe0, (uint8_t)*p, 1);
    }
    g_assert_cmphex(io_read(0xe0, 4), ==, 0x01020364);
    g_assert_cmphex(io_read(0xe0, 1), ==, 'd');
    g_test_message("0xe0 latch read back at widths 1/2/4, partial writes "
                   "merge, misaligned ones are refused, 0xe8 shares it, "
                   "'abcd' leaves 'd' in byte 0");
}

static void test_testdev_irq_iomem(void)
{
    uint64_t q = 0x1122334455667788ULL, r = 0;

    io_write(0x2000 + 5, 1, 1);
    g_assert_cmpint(hw_test_irqs.gsi_level[5], ==, 1);
    io_write(0x2000 + 23, 0x80, 1);
    g_assert_cmpint(hw_test_irqs.gsi_level[23], ==, 1);
    io_write(0x2000 + 5, 0, 1);
    io_write(0x2000 + 23, 0, 1);
    g_assert_cmpint(hw_test_irqs.gsi_level[5], ==, 0);
    g_assert_cmpint(hw_test_irqs.gsi_level[23], ==, 0);

    address_space_write(&address_space_memory, 0xff000000,
                        MEMTXATTRS_UNSPECIFIED, &q, 8);
    address_space_read(&address_space_memory, 0xff000000,
                       MEMTXATTRS_UNSPECIFIED, &r, 8);
    g_assert_cmphex(r, ==, q);
    r = 0;
    address_space_read(&address_space_memory, 0xff000003,
                       MEMTXATTRS_UNSPECIFIED, &r, 1);
    g_assert_cmphex(r, ==, 0x55);
    r = 0;
    address_space_read(&address_space_memory, 0xff000002,
                       MEMTXATTRS_UNSPECIFIED, &r, 4);
    g_assert_cmphex(r, ==, 0x33445566);     /* misaligned MMIO works */
    address_space_write(&address_space_memory, 0xff00fffc,
                        MEMTXATTRS_UNSPECIFIED, &q, 4);
    r = 0;
    address_space_read(&address_space_memory, 0xff00fffc,
                       MEMTXATTRS_UNSPECIFIED, &r, 4);
    g_assert_cmphex(r, ==, 0x55667788);
    g_test_message("irq lines 5 and 23 follow writes; iomem keeps 8-byte "
                   "and edge-of-window data");
}

/* ---- port92 / port80 --------------------------------------------------- */

static void test_port92_port80(void)
{
    g_autofree char *log = NULL;

    g_assert_cmphex(io_read(0x92, 1), ==, 0x02);    /* A20 on */
    io_write(0x92, 0x00, 1);
    g_assert_cmphex(io_read(0x92, 1), ==, 0x00);
    io_write(0x92, 0x02, 1);
    g_assert_cmphex(io_read(0x92, 1), ==, 0x02);
    io_write(0x80, 0x42, 1);
    g_assert_cmphex(io_read(0x80, 1), ==, 0xff);
    io_write(0x92, 0x03, 1);                 /* fast reset */
    io_write(0x92, 0x03, 1);                 /* no new edge */
    g_assert_cmphex(io_read(0x92, 1), ==, 0x03);
    machine_reset(m);
    g_assert_cmphex(io_read(0x92, 1), ==, 0x02);

    g_assert_true(g_file_get_contents(trace_path, &log, NULL, NULL));
    g_test_message("trace log:\n%s", log);
    g_assert_nonnull(strstr(log, "post_code code=0x42"));
    g_assert_nonnull(strstr(log, "vm_request_reset"));
    /* one reset request for one rising edge of bit 0 */
    g_assert_null(strstr(strstr(log, "vm_request_reset") + 1,
                         "vm_request_reset"));
}

int main(int argc, char **argv)
{
    static MachineConfig cfg = { .ram_size = 16 * MiB, .smp = 1 };
    g_autoptr(GError) err = NULL;
    int fd, ret;

    g_test_init(&argc, &argv, NULL);
    m = hw_test_machine_new(&cfg, NULL, hw_test_gsi_record);
    hw_test_create_or_die(m, "isa-debug-exit,iobase=0xf4,iosize=0x04");
    hw_test_create_or_die(m, "isa-debug-exit");
    hw_test_create_or_die(m, "pc-testdev");
    hw_test_create_or_die(m, "port92");
    hw_test_create_or_die(m, "port80");
    if (!g_test_subprocess()) {
        fd = mkstemp(trace_path);
        g_assert_cmpint(fd, >=, 0);
        close(fd);
        if (trace_set_output(trace_path, &err) < 0) {
            g_error("trace: %s", err->message);
        }
        trace_enable_pattern("post_code");
        trace_enable_pattern("vm_request_reset");
        trace_enable_pattern("port92_*");
    }

    for (size_t i = 0; i < G_N_ELEMENTS(exit_cases); i++) {
        g_test_add_data_func(exit_cases[i].path, &exit_cases[i],
                             debug_exit_child);
    }
    g_test_add_func("/misc/debug-exit/status", test_debug_exit_status);
    g_test_add_func("/misc/debug-exit/props", test_debug_exit_props);
    g_test_add_func("/misc/testdev/ioport", test_testdev_ioport);
    g_test_add_func("/misc/testdev/irq-iomem", test_testdev_irq_iomem);
    g_test_add_func("/misc/port92-port80", test_port92_port80);
    ret = g_test_run();
    if (!g_test_subprocess()) {
        unlink(trace_path);
    }
    return ret;
}
