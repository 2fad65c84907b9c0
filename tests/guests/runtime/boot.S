/*
 * Test guest boot: multiboot v1 header, 32-bit entry, long mode switch,
 * the static GDT and identity page tables, exception entry stubs, the
 * CPL3 round trip, setjmp-like contexts and the AP trampoline.
 *
 * The tables are static data rather than built at run time because on a
 * software KVM every CPL0 instruction costs about a microsecond: a loop
 * filling 2048 page directory entries would dominate a short test.
 */

#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_UDATA   0x1b
#define SEL_UCODE   0x23
#define SEL_KCODE32 0x38

#define MB_MAGIC    0x1badb002
#define MB_FLAGS    0x00000002      /* bit 1: please pass the memory map */

#define TRAMP_BASE  0x8000          /* SIPI vector 0x08 */
#define MAX_APS     15
#define AP_STACK    16384

        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

/* ---------------- 32-bit entry from the multiboot loader ---------------- */

        .section .text.boot, "ax"
        .code32
        .global _start
_start:
        /* EAX = 0x2badb002, EBX = multiboot info, flat 32-bit segments. */
        mov     %eax, mb_magic
        mov     %ebx, mb_info
        lgdt    gdt_ptr
        ljmp    $SEL_KCODE32, $1f
1:      mov     $SEL_KDATA, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $boot_stack_top, %esp

        mov     %cr4, %eax
        or      $0x20, %eax                 /* PAE */
        mov     %eax, %cr4
        mov     $boot_pml4, %eax
        mov     %eax, %cr3
        mov     $0xc0000080, %ecx           /* EFER */
        rdmsr
        or      $0x100, %eax                /* LME */
        wrmsr
        mov     %cr0, %eax
        or      $0x80010001, %eax           /* PG | WP | PE */
        mov     %eax, %cr0
        ljmp    $SEL_KCODE, $long_entry

        .code64
long_entry:
        mov     $SEL_KDATA, %ax
        mov     %ax, %ss
        /* Null data segments: iretq to CPL3 then has nothing to clear. */
        xor     %eax, %eax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %fs
        mov     %ax, %gs
        mov     $boot_stack_top, %rsp
        call    runtime_start
2:      cli
        hlt
        jmp     2b

/* ---------------- exception entry ---------------- */

        .text
.macro ISR_NOERR n
isr\n:  pushq   $0
        pushq   $\n
        jmp     isr_common
.endm
.macro ISR_ERR n
isr\n:  pushq   $\n
        jmp     isr_common
.endm

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31
ISR_NOERR 128

/* The frame layout must match TrapFrame in runtime.h. */
isr_common:
        push    %rax
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %rbp
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, %rdi
        cld
        call    trap_dispatch
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rbp
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        pop     %rax
        add     $16, %rsp
        iretq

        .section .rodata
        .align 8
        .global isr_table
isr_table:
        .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad isr\n
        .endr
        .global isr_soft
isr_soft:
        .quad isr128

/* ---------------- CPL3 round trip ---------------- */

        .text
/* uint64_t run_at_cpl3(uint64_t (*fn)(uint64_t), uint64_t arg) */
        .global run_at_cpl3
run_at_cpl3:
        push    %rbp
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, cpl3_saved_rsp(%rip)
        /*
         * Exceptions from CPL3 land on RSP0: point it just below this frame
         * so they never overwrite a live CPL0 frame, however deep we are.
         */
        mov     %rsp, %rax
        and     $-16, %rax
        mov     %rax, tss+4(%rip)
        mov     %rdi, %rax
        mov     %rsi, %rdi
        pushq   $SEL_UDATA
        lea     user_stack_top(%rip), %rcx
        push    %rcx
        pushq   $0x2                        /* IF=0, IOPL=0 */
        pushq   $SEL_UCODE
        lea     cpl3_entry(%rip), %rcx
        push    %rcx
        iretq

cpl3_entry:
        call    *%rax
        mov     %rax, %rdi
        /*
         * Back to CPL0 through #UD at a known address: trap_dispatch
         * recognizes it and calls cpl3_exit_to. Not "int $0x80": the
         * software KVM this project is developed on runs CPL3 natively and
         * mishandles int n there (it raises #UD instead of using the gate).
         */
        .global cpl3_return
cpl3_return:
        ud2

/* void cpl3_exit_to(uint64_t val): resume run_at_cpl3's caller with val */
        .global cpl3_exit_to
cpl3_exit_to:
        mov     $SEL_KDATA, %ax
        mov     %ax, %ss
        mov     cpl3_saved_rsp(%rip), %rsp
        mov     %rdi, %rax
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbx
        pop     %rbp
        ret

/* ---------------- contexts (setjmp/longjmp) ---------------- */

/* int ctx_save(Ctx *c): returns 0, then again the value given to ctx_jump */
        .global ctx_save
ctx_save:
        mov     %rbx, 0(%rdi)
        mov     %rbp, 8(%rdi)
        mov     %r12, 16(%rdi)
        mov     %r13, 24(%rdi)
        mov     %r14, 32(%rdi)
        mov     %r15, 40(%rdi)
        lea     8(%rsp), %rax
        mov     %rax, 48(%rdi)
        mov     (%rsp), %rax
        mov     %rax, 56(%rdi)
        xor     %eax, %eax
        ret

/* void ctx_jump(Ctx *c, int val) */
        .global ctx_jump
ctx_jump:
        /* A trap from CPL3 left SS null; give CPL0 its usual one back. */
        mov     $SEL_KDATA, %ax
        mov     %ax, %ss
        mov     0(%rdi), %rbx
        mov     8(%rdi), %rbp
        mov     16(%rdi), %r12
        mov     24(%rdi), %r13
        mov     32(%rdi), %r14
        mov     40(%rdi), %r15
        mov     48(%rdi), %rsp
        mov     %esi, %eax
        jmp     *56(%rdi)

/* ---------------- AP trampoline, copied to TRAMP_BASE ---------------- */

        .section .rodata
        .code16
        .global ap_tramp_start, ap_tramp_end
ap_tramp_start:
        cli
        xor     %ax, %ax
        mov     %ax, %ds
        lgdtl   TRAMP_BASE + (tramp_gdt_ptr - ap_tramp_start)
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $SEL_KCODE32, $(TRAMP_BASE + (tramp_pm32 - ap_tramp_start))
        .code32
tramp_pm32:
        mov     $SEL_KDATA, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     %cr4, %eax
        or      $0x20, %eax
        mov     %eax, %cr4
        mov     $boot_pml4, %eax
        mov     %eax, %cr3
        mov     $0xc0000080, %ecx
        rdmsr
        or      $0x100, %eax
        wrmsr
        mov     %cr0, %eax
        or      $0x80010001, %eax
        mov     %eax, %cr0
        ljmp    $SEL_KCODE, $ap_entry64
        .align 8
tramp_gdt_ptr:
        .word   gdt_end - gdt - 1
        .long   gdt
ap_tramp_end:

        .text
        .code64
ap_entry64:
        mov     $SEL_KDATA, %ax
        mov     %ax, %ss
        xor     %eax, %eax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %fs
        mov     %ax, %gs
        mov     $1, %eax
        lock xadd %eax, ap_next(%rip)
        cmp     $MAX_APS, %eax
        jae     3f
        mov     %eax, %edi
        lea     1(%rax), %rcx
        imul    $AP_STACK, %rcx
        lea     ap_stacks(%rip), %rsp
        add     %rcx, %rsp
        call    ap_main
3:      cli
        hlt
        jmp     3b

/* ---------------- data ---------------- */

        .data
        .global mb_magic, mb_info, ap_next, gdt, gdt_end
        .align 4
mb_magic:       .long 0
mb_info:        .long 0
ap_next:        .long 0
        .align 8
cpl3_saved_rsp: .quad 0

        .align 16
gdt:
        .quad 0                         /* 0x00 null */
        .quad 0x00af9a000000ffff        /* 0x08 kernel code, 64-bit */
        .quad 0x00cf92000000ffff        /* 0x10 kernel data */
        .quad 0x00cff2000000ffff        /* 0x18 user data */
        .quad 0x00affa000000ffff        /* 0x20 user code, 64-bit */
        .quad 0, 0                      /* 0x28 TSS, filled by runtime.c */
        .quad 0x00cf9a000000ffff        /* 0x38 kernel code, 32-bit */
gdt_end:
        .global gdt_ptr
gdt_ptr:
        .word   gdt_end - gdt - 1
        .quad   gdt

/*
 * Identity map of the first 4 GiB: PML4[0] -> PDPT[0..3] -> four page
 * directories of 2 MiB pages, all user-accessible and writable so CPL3
 * tests can run from the same image. The top GiB (MMIO, APIC, BIOS) is
 * uncached.
 */
        .section .data.pagetables, "aw"
        .align 4096
        .global boot_pml4, boot_pdpt, boot_pd
boot_pml4:
        .quad   boot_pdpt + 0x7
        .fill   511, 8, 0
boot_pdpt:
        .quad   boot_pd + 0x7
        .quad   boot_pd + 0x1000 + 0x7
        .quad   boot_pd + 0x2000 + 0x7
        .quad   boot_pd + 0x3000 + 0x7
        .fill   508, 8, 0
boot_pd:
        .set    pde, 0x87
        .rept   1536
        .quad   pde
        .set    pde, pde + 0x200000
        .endr
        .rept   512
        .quad   pde + 0x18
        .set    pde, pde + 0x200000
        .endr

        .bss
        .align 16
        .global boot_stack_top, user_stack_top
boot_stack:     .skip 65536
boot_stack_top:
        .global ist1_stack_top
ist1_stack:     .skip 16384
ist1_stack_top:
user_stack:     .skip 65536
user_stack_top:
ap_stacks:      .skip (MAX_APS + 1) * AP_STACK

        .section .note.GNU-stack, "", @progbits
