/*
 * Test guest runtime: serial console, printf, exit.
 */
#include "runtime.h"

#define COM1_THR 0x3f8
#define DEBUG_EXIT_PORT 0xf4

/*
 * No LSR polling: QEMU's and janus's 16550 transmitter is always ready, and
 * on a software KVM each extra in/out costs an exit.
 */
void serial_putc(char c)
{
    outb(COM1_THR, c);
}

typedef struct Spec {
    bool left, zero, alt, plus;
    int width;
} Spec;

static int emit_padded(const Spec *sp, const char *prefix, const char *body,
                       int len)
{
    int plen = strlen(prefix);
    int pad = sp->width > plen + len ? sp->width - plen - len : 0;
    int n = 0;

    if (!sp->left && !sp->zero) {
        for (; pad > 0; pad--, n++) {
            serial_putc(' ');
        }
    }
    for (const char *p = prefix; *p; p++, n++) {
        serial_putc(*p);
    }
    if (!sp->left) {
        for (; pad > 0; pad--, n++) {
            serial_putc('0');
        }
    }
    for (int i = 0; i < len; i++, n++) {
        serial_putc(body[i]);
    }
    for (; pad > 0; pad--, n++) {
        serial_putc(' ');
    }
    return n;
}

static int emit_number(const Spec *sp, uint64_t v, bool neg, int base,
                       bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int len = 0;

    do {
        buf[sizeof(buf) - 1 - len++] = digits[v % base];
        v /= base;
    } while (v);
    return emit_padded(sp, neg ? "-" : prefix, buf + sizeof(buf) - len, len);
}

int vprintf(const char *fmt, va_list ap)
{
    int n = 0;

    for (const char *f = fmt; *f; f++) {
        Spec sp = { 0 };
        int lng = 0;
        uint64_t u;

        if (*f != '%') {
            serial_putc(*f);
            n++;
            continue;
        }
        for (f++;; f++) {
            if (*f == '-') {
                sp.left = true;
            } else if (*f == '0') {
                sp.zero = true;
            } else if (*f == '#') {
                sp.alt = true;
            } else if (*f == '+') {
                sp.plus = true;
            } else {
                break;
            }
        }
        if (*f == '*') {
            sp.width = va_arg(ap, int);
            f++;
        }
        for (; *f >= '0' && *f <= '9'; f++) {
            sp.width = sp.width * 10 + (*f - '0');
        }
        for (; *f == 'l' || *f == 'z' || *f == 'h'; f++) {
            lng += *f != 'h';
        }
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            u = v < 0 ? -(uint64_t)v : (uint64_t)v;
            n += emit_number(&sp, u, v < 0, 10, false, sp.plus ? "+" : "");
            break;
        }
        case 'u':
            u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            n += emit_number(&sp, u, false, 10, false, "");
            break;
        case 'x':
        case 'X':
            u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            n += emit_number(&sp, u, false, 16, *f == 'X',
                             sp.alt && u ? (*f == 'X' ? "0X" : "0x") : "");
            break;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            n += emit_number(&sp, u, false, 16, false, "0x");
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) {
                s = "(null)";
            }
            sp.zero = false;
            n += emit_padded(&sp, "", s, strlen(s));
            break;
        }
        case 'c': {
            char c = va_arg(ap, int);
            sp.zero = false;
            n += emit_padded(&sp, "", &c, 1);
            break;
        }
        case '%':
            serial_putc('%');
            n++;
            break;
        case '\0':
            return n;
        default:
            serial_putc('%');
            serial_putc(*f);
            n += 2;
            break;
        }
    }
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

void exit(int code)
{
    /* isa-debug-exit: the VMM exits with (code << 1) | 1 */
    outb(DEBUG_EXIT_PORT, code);
    /* Only reached when no isa-debug-exit device is present. */
    for (;;) {
        if (current_cpl() == 0) {
            __asm__ volatile("cli; hlt");
        } else {
            cpu_relax();
        }
    }
}

void pass(void)
{
    printf("PASS\n");
    exit(0);
}

void fail(const char *fmt, ...)
{
    va_list ap;

    printf("FAIL: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(1);
}
