"""smc: self-modifying code. A block storing into its own next
instructions (a mov's immediate, a loop's add immediate, rep movsb over the
tail), code beside busy data on one page, a routine straddling a 4 KiB
boundary patched on either page or by itself, the same at CPL3, a patch
through an alias mapping and jumps into freshly copied code. Output
recorded from QEMU 7.2 TCG; janus -accel kvm and -accel tcg must print the
same."""

TEXT = """\
1. a block rewriting its own next instructions
 store to the next mov's immediate 0x11111111: returned 0x11111111
 store to the next mov's immediate 0x22222222: returned 0x22222222
 store to the next mov's immediate 0xdeadbeef: returned 0xdeadbeef
 store to the next mov's immediate 0x5: returned 0x5
 store to the next mov's immediate 0xbadf00d: returned 0xbadf00d
 loop incrementing the next add's immediate, 1 times: sum 17, immediate now 17
 loop incrementing the next add's immediate, 2 times: sum 37, immediate now 19
 loop incrementing the next add's immediate, 3 times: sum 63, immediate now 22
 loop incrementing the next add's immediate, 4 times: sum 98, immediate now 26
 rep movsb over the next instruction (mov eax, 0x11223344; ret): returned 0x11223344
 rep movsb over the next instruction (xor eax, eax; not eax; nop; ret): returned 0xffffffff
 rep movsb over the next instruction (push 42; pop rax; nop; nop; ret): returned 0x2a
 rep movsb over the next instruction (mov eax, 0xdeadbeef; ret): returned 0xdeadbeef
2. code on a page with busy data
 after 32 rounds of data writes: returned 1161
 after 64 rounds of data writes: returned 1322
 after 96 rounds of data writes: returned 1483
 after 128 rounds of data writes: returned 1644
 immediate patched to 2000000: returned 2000645
 add patched to sub: returned -1999354
3. a routine across a page boundary
 first run: returned 0x321
 B and C patched on the second page: returned 0x54001
 B's add made sub on the first page: returned 0x4c001
 C's add made sub on the second page: returned 0xfffac001
 stores into its own rest, across and after the boundary (0x1, 0x2): returned 0x3
 stores into its own rest, across and after the boundary (0x10000, 0x20): returned 0x10020
 stores into its own rest, across and after the boundary (0xdead0000, 0xbeef): returned 0xdeadbeef
 stores into its own tail on the second page only (0xbeef): returned 0xbeef1234
 stores into its own tail on the second page only (0xcafe): returned 0xcafe1234
 stores into its own tail on the second page only (0xf00d): returned 0xf00d1234
4. CPL3, an alias mapping, jumps into copied code
 CPL3 loop incrementing the next add's immediate, 2 times: sum 55
 CPL3 loop incrementing the next add's immediate, 3 times: sum 90
 CPL3 store to the next mov's immediate: returned 0x7777
 CPL3 run across the boundary after a CPL0 patch: returned 0xfff9c001
 run 0x1234, patch through the alias: returned 0x5678
 run at the alias, patch directly: returned 0x9abc
 jmp into freshly copied "mov eax, 0x600d; jmp rcx": eax=0x600d
 jmp into freshly copied "or eax, -1; nop; nop; jmp rcx": eax=0xffffffff
 jmp into freshly copied "xor eax, eax; inc eax; jmp rcx": eax=0x1
 jmp into freshly copied "mov eax, 0x600d; jmp rcx": eax=0x600d
 jmp into freshly copied "or eax, -1; nop; nop; jmp rcx": eax=0xffffffff
 jmp into freshly copied "xor eax, eax; inc eax; jmp rcx": eax=0x1
PASS
"""


def expect(ctx):
    return {'serial': TEXT.splitlines(), 'exit': 1}
