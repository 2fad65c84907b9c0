/*
 * test-hw-rtc.c: the CMOS RTC through ports 0x70/0x71: index masking,
 * time in BCD and binary, setting the time, interrupts, and the memory
 * size bytes of a 256 MiB machine.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <time.h>
#include "hw/rtc/mc146818.h"
#include "main/main-loop.h"
#include "hw-test.h"

#define MS ((int64_t)1000 * 1000)

static Machine *m;
static uint8_t cmos_read(uint8_t idx)
{
    outb(0x70, idx);
    return inb(0x71);
}

static void cmos_write(uint8_t idx, uint8_t val)
{
    outb(0x70, idx);
    outb(0x71, val);
}

static int bcd(uint8_t v)
{
    g_assert_cmpuint(v & 0x0f, <=, 9);
    g_assert_cmpuint(v >> 4, <=, 9);
    return (v >> 4) * 10 + (v & 0x0f);
}

static void run_until(int *flag, int64_t max_ns)
{
    int64_t end = clock_virtual_ns() + max_ns;

    while (!*flag && clock_virtual_ns() < end) {
        main_loop_iterate(10 * MS);
    }
}

static void test_index_masking(void)
{
    RTCState *rtc = rtc_from_machine(m);

    g_assert_nonnull(rtc);
    cmos_write(0x8e, 0x5a);     /* NMI mask bit + index 0x0e */
    g_assert_true(rtc_nmi_masked(rtc));
    g_assert_cmphex(cmos_read(0x0e), ==, 0x5a);
    g_assert_false(rtc_nmi_masked(rtc));
    cmos_write(0xff, 0xa5);     /* index 0x7f */
    g_assert_cmphex(cmos_read(0x7f), ==, 0xa5);
    g_assert_cmphex(inb(0x70), ==, 0xff);
    g_assert_cmphex(cmos_read(0x0d), ==, 0x80);
    cmos_write(0x0d, 0x00);     /* read-only */
    g_assert_cmphex(cmos_read(0x0d), ==, 0x80);
    g_assert_cmpint(rtc_set_cmos_data(rtc, 0x3d, 0x21), ==, 0);
    g_assert_cmphex(cmos_read(0x3d), ==, 0x21);
    g_assert_cmpint(rtc_set_cmos_data(rtc, 0x0b, 0), <, 0);
    g_assert_cmpint(rtc_set_cmos_data(rtc, 0x80, 0), <, 0);
    g_test_message("0x8e selects 0x0e and masks NMI, 0xff selects 0x7f, "
                   "0x70 reads 0xff, D reads 0x80");
}

static void test_bcd_time(void)
{
    time_t now;
    struct tm tm;
    int sec, min, hour, mday, mon, year, cent;
    int64_t host, rtc_s;

    g_assert_cmphex(cmos_read(0x0a), ==, 0x26);
    g_assert_cmphex(cmos_read(0x0b), ==, 0x02);
    /* read until a second boundary did not fall in the middle */
    do {
        sec = bcd(cmos_read(0x00));
        min = bcd(cmos_read(0x02));
        hour = bcd(cmos_read(0x04));
        mday = bcd(cmos_read(0x07));
        mon = bcd(cmos_read(0x08));
        year = bcd(cmos_read(0x09));
        cent = bcd(cmos_read(0x32));
    } while (bcd(cmos_read(0x00)) != sec);
    now = clock_realtime_ns() / 1000000000;
    gmtime_r(&now, &tm);
    tm.tm_sec = sec;
    tm.tm_min = min;
    tm.tm_hour = hour;
    tm.tm_mday = mday;
    tm.tm_mon = mon - 1;
    tm.tm_year = cent * 100 + year - 1900;
    rtc_s = timegm(&tm);
    host = now;
    g_test_message("RTC %02d%02d-%02d-%02d %02d:%02d:%02d (BCD), host %"
                   PRId64, cent, year, mon, mday, hour, min, sec, host);
    g_assert_cmpint(rtc_s, <=, host);
    g_assert_cmpint(rtc_s, >=, host - 2);
    g_assert_cmpuint(bcd(cmos_read(0x06)), >=, 1);
    g_assert_cmpuint(bcd(cmos_read(0x06)), <=, 7);

    /* binary mode shows the same time as plain numbers */
    cmos_write(0x0b, 0x06);
    g_assert_cmpuint(cmos_read(0x02), <, 60);
    g_assert_cmpuint(cmos_read(0x32), ==, (unsigned)cent);
    cmos_write(0x0b, 0x02);
}

static void test_set_time(void)
{
    uint8_t s;

    /* SET, write 2024-02-29 23:59:58 in BCD, 24 h, release */
    cmos_write(0x0b, 0x82);
    cmos_write(0x00, 0x58);
    cmos_write(0x02, 0x59);
    cmos_write(0x04, 0x23);
    cmos_write(0x07, 0x29);
    cmos_write(0x08, 0x02);
    cmos_write(0x09, 0x24);
    cmos_write(0x32, 0x20);
    g_assert_cmphex(cmos_read(0x00), ==, 0x58);     /* frozen */
    cmos_write(0x0b, 0x02);
    s = cmos_read(0x00);
    g_test_message("after setting 23:59:58: seconds 0x%02x", s);
    if (s == 0x58 || s == 0x59) {
        g_assert_cmphex(cmos_read(0x04), ==, 0x23);
        g_assert_cmphex(cmos_read(0x07), ==, 0x29);
        g_assert_cmphex(cmos_read(0x09), ==, 0x24);
    }

    /* 12-hour mode: 23 h reads as 11 PM (0x91 in BCD) */
    cmos_write(0x0b, 0x80);
    cmos_write(0x00, 0x10);
    cmos_write(0x02, 0x30);
    cmos_write(0x04, 0x91);
    cmos_write(0x0b, 0x00);
    g_assert_cmphex(cmos_read(0x04), ==, 0x91);
    cmos_write(0x0b, 0x02);
    g_assert_cmphex(cmos_read(0x04), ==, 0x23);

    /* writing one field of the running clock keeps the others */
    cmos_write(0x09, 0x30);
    g_assert_cmphex(cmos_read(0x09), ==, 0x30);
    g_assert_cmphex(cmos_read(0x02), ==, 0x30);
    g_test_message("12 h: 0x91 = 23 h; year written alone: 2030");

    /* a far-away year (binary century 255) keeps running, no overflow */
    cmos_write(0x0b, 0x86);
    cmos_write(0x32, 255);
    cmos_write(0x09, 99);
    cmos_write(0x0b, 0x06);
    g_assert_cmpuint(cmos_read(0x32), ==, 255);
    g_assert_cmpuint(cmos_read(0x09), ==, 99);
    g_test_message("year 25599 in binary mode reads back");
    cmos_write(0x0b, 0x82);
    cmos_write(0x32, 0x20);
    cmos_write(0x09, 0x24);
    cmos_write(0x0b, 0x02);
    g_assert_cmphex(cmos_read(0x32), ==, 0x20);
}

static void test_memory_bytes(void)
{
    g_assert_cmphex(cmos_read(0x15), ==, 0x80);
    g_assert_cmphex(cmos_read(0x16), ==, 0x02);
    g_assert_cmphex(cmos_read(0x17), ==, 0xff);
    g_assert_cmphex(cmos_read(0x18), ==, 0xff);
    g_assert_cmphex(cmos_read(0x30), ==, 0xff);
    g_assert_cmphex(cmos_read(0x31), ==, 0xff);
    g_assert_cmphex(cmos_read(0x34), ==, 0x00);
    g_assert_cmphex(cmos_read(0x35), ==, 0x0f);
    g_assert_cmphex(cmos_read(0x5b), ==, 0x00);
    g_assert_cmphex(cmos_read(0x5c), ==, 0x00);
    g_assert_cmphex(cmos_read(0x5d), ==, 0x00);
    g_assert_cmphex(cmos_read(0x5f), ==, 0x01);
    /* a guest may scribble on them; reset puts them back */
    cmos_write(0x35, 0);
    machine_reset(m);
    g_assert_cmphex(cmos_read(0x35), ==, 0x0f);
    g_test_message("256 MiB, 2 CPUs: 640 KiB base, 0xffff KiB extended, "
                   "0x0f00 x 64 KiB above 16 MiB, 0x5f = 1");
}

static void test_interrupts(void)
{
    uint8_t c;

    vm_clock_set_running(true);
    cmos_read(0x0c);
    g_assert_cmpint(hw_test_irqs.gsi_level[8], ==, 0);
    /* periodic at 1024 Hz */
    cmos_write(0x0a, 0x26);
    cmos_write(0x0b, 0x02 | 0x40);
    run_until(&hw_test_irqs.gsi_level[8], 100 * MS);
    g_assert_cmpint(hw_test_irqs.gsi_level[8], ==, 1);
    c = cmos_read(0x0c);
    g_assert_cmphex(c & 0xc0, ==, 0xc0);
    g_assert_cmpint(hw_test_irqs.gsi_level[8], ==, 0);
    g_test_message("periodic: IRQ 8 raised, C = 0x%02x, read drops it", c);
    cmos_write(0x0b, 0x02);
    cmos_read(0x0c);

    /* update-ended + alarm with every field "don't care" */
    cmos_write(0x01, 0xc0);
    cmos_write(0x03, 0xc0);
    cmos_write(0x05, 0xc0);
    cmos_write(0x0b, 0x02 | 0x10 | 0x20);
    run_until(&hw_test_irqs.gsi_level[8], 1500 * MS);
    g_assert_cmpint(hw_test_irqs.gsi_level[8], ==, 1);
    c = cmos_read(0x0c);
    g_test_message("update/alarm: C = 0x%02x", c);
    g_assert_cmphex(c & 0xb0, ==, 0xb0);
    cmos_write(0x0b, 0x02);
    /* without PIE, PF still shows up in C */
    g_usleep(2000);
    g_assert_cmphex(cmos_read(0x0c) & 0x40, ==, 0x40);
    vm_clock_set_running(false);
}

int main(int argc, char **argv)
{
    static MachineConfig cfg = { .ram_size = 256 * MiB, .smp = 2 };

    g_test_init(&argc, &argv, NULL);
    m = hw_test_machine_new(&cfg, NULL, hw_test_gsi_record);
    m->below_4g_mem_size = 256 * MiB;
    m->ncpus = 2;
    hw_test_create_or_die(m, "mc146818rtc");

    g_test_add_func("/rtc/index-masking", test_index_masking);
    g_test_add_func("/rtc/bcd-time", test_bcd_time);
    g_test_add_func("/rtc/set-time", test_set_time);
    g_test_add_func("/rtc/memory-bytes", test_memory_bytes);
    g_test_add_func("/rtc/interrupts", test_interrupts);
    return g_test_run();
}
