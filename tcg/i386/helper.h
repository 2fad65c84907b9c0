/*
 * helper.h: the C helpers the x86 frontend calls for system instructions
 * (tcg/i386/seg_helper.c, misc_helper.c, excp_helper.c).
 *
 * Conventions, one per tag in each helper's comment:
 *
 * - Every helper takes the vCPU first; it is called with the guest
 *   register globals synced to env (a plain tcg_gen_call without the
 *   TCG_CALL_NO_* flags, unless the comment says otherwise).
 * - Faults: a helper that may fault raises with raise_exception_err_ra(...,
 *   GETPC()), so the frontend must have emitted insn_start for the
 *   instruction (rip and cc_op are restored from the block's tables); it
 *   need NOT store rip before the call.  Helpers that need the address of
 *   the next instruction take it as @next_rip (cs_base excluded, i.e. the
 *   architectural RIP/EIP value).
 * - [CC]: the helper reads the complete RFLAGS, or writes arithmetic flags:
 *   the frontend must store its current cc_op to env->cc_op before the call
 *   (cc_dst/cc_src/cc_src2 are globals and synced anyway).  The helper
 *   computes RFLAGS itself through x86_compute_eflags() (translate.h).
 * - [CC-OUT]: the helper leaves the lazy state as "flags are in rflags"
 *   (x86_load_eflags): after the call the frontend's static cc_op is
 *   CC_OP_EFLAGS.
 * - Helpers without [CC] neither read nor write the arithmetic flags; they
 *   may read/write the other RFLAGS bits (IF, IOPL, ...), which always
 *   live in cpu->rflags.
 * - [END]: the helper may change rip, CS, CPL, the mode (CR0/CR4/EFER),
 *   segment bases/sizes, IF or the address translation; the frontend ends
 *   the block after the call and continues with a TB lookup on the new
 *   state (goto_ptr through helper_lookup_tb_ptr, or exit_tb 0) -- never a
 *   goto_tb to a statically computed successor.
 * - [END+1]: the interrupt shadow (STI, MOV SS, POP SS): the frontend
 *   translates exactly ONE more instruction into the same block and then
 *   ends it (no chaining: exit through helper_lookup_tb_ptr).  The exec
 *   loop only takes interrupts between blocks, so that instruction runs
 *   before any interrupt.  (If that next instruction does not fit in the
 *   block, end the block before it and accept the missed shadow.)
 * - [NORAISE]: cannot fault; may be called with TCG_CALL_NO_RAISE.
 *
 * Parameters shared by the helpers below: @cpu is the vCPU (env);
 * @selector a segment selector (low 16 bits used); @vector an IDT vector.
 * Sizes: @size is the operand size in bytes (2, 4 or 8); @shift is the
 * QEMU-style operand size code 0 = 16 bit, 1 = 32 bit, 2 = 64 bit.
 * Linear addresses (@addr) include the segment base and are truncated to
 * 32 bits by the frontend outside 64-bit mode.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef TCG_I386_HELPER_H
#define TCG_I386_HELPER_H

#include "main/janus.h"
#include "hw/cpu.h"

/* ---- Exceptions raised by generated code (excp_helper.c) --------------- */

/** helper_raise_exception: fault @vector (no error code) at the current
 * instruction: #UD for ud2/unknown opcodes, #NM, #DE, ... Never returns. */
_Noreturn void helper_raise_exception(X86CPU *cpu, int vector);
/** helper_raise_exception_err: fault @vector with @error_code. */
_Noreturn void helper_raise_exception_err(X86CPU *cpu, int vector,
                                          uint32_t error_code);

/**
 * helper_raise_interrupt: INT n (@vector = n), INT3 (@vector 3): software
 * interrupt delivered now through the IDT/IVT with @next_rip pushed.
 * Checks gate DPL >= CPL (#GP(vector*8+2)).  [CC] [CC-OUT] [END].
 * A fault during delivery is raised at this instruction (returns
 * normally otherwise; the block must end).  The frontend stores this
 * instruction's own rip to env->rip before the call (-d int logs it, as
 * QEMU does); helper_into and helper_icebp likewise (INTO with OF clear
 * sets rip = @next_rip itself).
 */
void helper_raise_interrupt(X86CPU *cpu, int vector, uint64_t next_rip);
/** helper_into: INTO (legacy modes only; the frontend raises #UD in 64-bit
 * mode): #OF as a software interrupt if OF is set.  [CC] [CC-OUT] [END] */
void helper_into(X86CPU *cpu, uint64_t next_rip);
/** helper_icebp: INT1 (0xf1): #DB delivered like a hardware exception
 * (no DPL check), @next_rip pushed.  [CC] [CC-OUT] [END] */
void helper_icebp(X86CPU *cpu, uint64_t next_rip);

/* ---- Segments and descriptor tables (seg_helper.c) --------------------- */

/**
 * helper_load_seg: MOV/POP Sreg, LDS/LES/LFS/LGS/LSS: load segment @seg
 * (R_ES..R_GS, never R_CS) with @selector.  Real mode: base =
 * selector << 4.  Protected/long mode: descriptor checks with #GP(sel),
 * #NP(sel), #SS(sel); a null selector is allowed except for SS (64-bit
 * mode allows a null SS at CPL < 3).  Sets the descriptor's accessed bit.
 * [END] when @seg is SS ([END+1]: shadow) or when the frontend's tb->flags
 * depend on the segment (base-is-zero, SS size); otherwise the frontend
 * may continue the block because it reads segs[].base from env.
 */
void helper_load_seg(X86CPU *cpu, int seg, uint32_t selector);

/** helper_ljmp: JMP ptr16:16/32, JMP m16:16/32/64: far jump (real mode,
 * code segment, call gate; task gates/TSS -> #GP, not modelled).  [END] */
void helper_ljmp(X86CPU *cpu, uint32_t selector, uint64_t offset,
                 uint64_t next_rip);
/** helper_lcall: far CALL: pushes CS and @next_rip with operand size
 * @shift (through a call gate: privilege change with the stack from the
 * TSS and parameter copy).  [END] */
void helper_lcall(X86CPU *cpu, uint32_t selector, uint64_t offset,
                  int shift, uint64_t next_rip);
/** helper_lret: far RET [imm16]: pops rip, CS (and SS:rSP on a return to
 * an outer level), then adds @imm to rSP; nulls data segments the new CPL
 * may not use.  [END] */
void helper_lret(X86CPU *cpu, int shift, uint32_t imm);
/** helper_iret: IRET/IRETD/IRETQ (@shift 0/1/2): real mode, protected
 * mode (same and outer level; a return to VM86 is not modelled: #GP(0)),
 * long mode (64-bit mode always pops SS:RSP).  NT=1 (task return) -> #GP,
 * not modelled.  @next_rip is unused.  [CC] [CC-OUT] [END] */
void helper_iret(X86CPU *cpu, int shift, uint64_t next_rip);

/** helper_syscall: SYSCALL (#UD unless EFER.SCE; 64-bit and compatibility
 * mode as in long mode, legacy mode as AMD's).  [CC] [CC-OUT] [END] */
void helper_syscall(X86CPU *cpu, uint64_t next_rip);
/** helper_sysret: SYSRET (@shift 1 = to 32-bit code, 2 = REX.W to 64-bit
 * code); #UD unless EFER.SCE, #GP(0) at CPL>0 or non-canonical RCX.
 * [CC] [CC-OUT] [END] */
void helper_sysret(X86CPU *cpu, int shift);
/** helper_sysenter: SYSENTER (#GP(0) if SYSENTER_CS is null).
 * [CC] [CC-OUT] [END] */
void helper_sysenter(X86CPU *cpu, uint64_t next_rip);
/** helper_sysexit: SYSEXIT (@shift 1 or 2 for REX.W).  [END] */
void helper_sysexit(X86CPU *cpu, int shift);

/** helper_lgdt / helper_lidt: load the table register from the 6 (or 10
 * in 64-bit mode) bytes at linear @addr; with @shift 0 only 24 base bits
 * are used.  CPL0 only (#GP(0)).  [END] not needed. */
void helper_lgdt(X86CPU *cpu, uint64_t addr, int shift);
void helper_lidt(X86CPU *cpu, uint64_t addr, int shift);
/** helper_sgdt / helper_sidt: store limit and base (4 bytes, 8 in 64-bit
 * mode) at linear @addr.  Any CPL (UMIP is not advertised). */
void helper_sgdt(X86CPU *cpu, uint64_t addr);
void helper_sidt(X86CPU *cpu, uint64_t addr);
/** helper_lldt: LLDT (CPL0; 16-byte descriptors in long mode). */
void helper_lldt(X86CPU *cpu, uint32_t selector);
/** helper_ltr: LTR (CPL0; marks the TSS descriptor busy). */
void helper_ltr(X86CPU *cpu, uint32_t selector);
/** helper_sldt / helper_str: the LDTR / TR selector (#UD in real and
 * VM86 mode: the frontend already refuses VM86 code).  The frontend
 * zero-extends to the destination. */
uint32_t helper_sldt(X86CPU *cpu);
uint32_t helper_str(X86CPU *cpu);
/** helper_lar / helper_lsl / helper_verr / helper_verw: set ZF when
 * @selector's descriptor is visible and of a suitable type; LAR/LSL
 * return the new value (the frontend writes it to the destination only
 * when ZF is set: it reads ZF from env->rflags after the call).
 * #UD in real/VM86 mode.  [CC] [CC-OUT] */
uint64_t helper_lar(X86CPU *cpu, uint32_t selector);
uint64_t helper_lsl(X86CPU *cpu, uint32_t selector);
void helper_verr(X86CPU *cpu, uint32_t selector);
void helper_verw(X86CPU *cpu, uint32_t selector);
/** helper_swapgs: SWAPGS (#UD outside 64-bit mode, #GP(0) at CPL>0):
 * exchange GS.base and KERNEL_GS_BASE.  [END] if tb->flags cache the
 * GS base; otherwise none. */
void helper_swapgs(X86CPU *cpu);

/* ---- Control/debug registers, TLB, MSRs, CPUID (misc_helper.c) ---------- */

/** helper_read_cr: MOV from CR0/2/3/4/8 (@reg; others -> #UD).  CPL0
 * only (#GP(0)).  CR8 reads the TPR from the APIC model. */
uint64_t helper_read_cr(X86CPU *cpu, int reg);
/** helper_write_cr: MOV to CR0/2/3/4/8: reserved-bit and mode checks
 * (#GP(0)), EFER.LMA on paging enable, TLB flushes (full for
 * CR0.PG/WP and CR4 paging bits, non-global for CR3).  [END] */
void helper_write_cr(X86CPU *cpu, int reg, uint64_t val);
/** helper_read_dr / helper_write_dr: MOV from/to DR0-7 (DR4/5 alias
 * DR6/7 unless CR4.DE: then #UD).  CPL0 only.  Breakpoints are stored
 * but never trigger. */
uint64_t helper_read_dr(X86CPU *cpu, int reg);
void helper_write_dr(X86CPU *cpu, int reg, uint64_t val);
/** helper_smsw: SMSW: the low bits of CR0 (any CPL; the frontend stores
 * 16 bits to memory, or the operand size to a register). */
uint64_t helper_smsw(X86CPU *cpu);
/** helper_lmsw: LMSW: PE/MP/EM/TS from @val; PE cannot be cleared.
 * CPL0 only.  [END] */
void helper_lmsw(X86CPU *cpu, uint32_t val);
/** helper_clts: CLTS: clear CR0.TS (CPL0 only). */
void helper_clts(X86CPU *cpu);
/** helper_invlpg: INVLPG of linear @addr (CPL0 only).  [END]: the page
 * may hold the code that follows. */
void helper_invlpg(X86CPU *cpu, uint64_t addr);
/** helper_wbinvd: WBINVD/INVD: no-op at CPL0, #GP(0) otherwise. */
void helper_wbinvd(X86CPU *cpu);

/** helper_cpuid: CPUID leaf EAX, subleaf ECX -> EAX EBX ECX EDX, from the
 * shared model (hw/cpuid.c) masked to the features TCG implements. */
void helper_cpuid(X86CPU *cpu);
/**
 * x86_tcg_read_tsc: @cpu's guest TSC under TCG: clock_virtual_ns() plus
 * the offset a TSC write sets, i.e. a 1 GHz invariant TSC that stops with
 * the VM.  The accelerator passes it to apic_set_tsc_fn(x86_tcg_read_tsc,
 * X86_TCG_TSC_HZ) so the TSC-deadline timer and RDTSC agree.
 * @cpu: the vCPU.
 */
uint64_t x86_tcg_read_tsc(X86CPU *cpu);
#define X86_TCG_TSC_HZ 1000000000ULL

/** helper_rdtsc: EDX:EAX = TSC (#GP(0) at CPL>0 with CR4.TSD). */
void helper_rdtsc(X86CPU *cpu);
/** helper_rdtscp: RDTSC plus ECX = TSC_AUX. */
void helper_rdtscp(X86CPU *cpu);
/** helper_rdpmc: #GP(0) (no performance counters advertised). */
void helper_rdpmc(X86CPU *cpu);
/** helper_rdmsr: EDX:EAX = MSR[ECX] (CPL0; unknown MSR -> #GP(0)). */
void helper_rdmsr(X86CPU *cpu);
/** helper_wrmsr: MSR[ECX] = EDX:EAX (CPL0; unknown MSR or reserved bits
 * -> #GP(0)).  [END] (EFER, FS/GS base, APIC). */
void helper_wrmsr(X86CPU *cpu);
/** helper_xgetbv: XGETBV: #UD unless CR4.OSXSAVE (never settable: XSAVE
 * is not advertised), so always #UD today. */
void helper_xgetbv(X86CPU *cpu);

/* ---- Port I/O, interrupts flag, halt (misc_helper.c) ------------------- */

/**
 * helper_in: IN/INS element: read @size (1, 2, 4) bytes from @port through
 * address_space_io, after the permission check (protected mode: CPL > IOPL
 * -> the TSS I/O bitmap, #GP(0) when a bit is set or the bitmap is
 * out of the TSS limit).  For INS the frontend first probes the store to
 * ES:rDI (a dummy write) so a #PF there happens before the port read, then
 * calls this per element.  Result zero-extended.
 */
uint32_t helper_in(X86CPU *cpu, uint32_t port, uint32_t size);
/** helper_out: OUT/OUTS element: write the low @size bytes of @val to
 * @port (same checks).  [END] recommended: a device may raise an
 * interrupt or stop the VM (isa-debug-exit). */
void helper_out(X86CPU *cpu, uint32_t port, uint32_t val, uint32_t size);

/** helper_cli: CLI (protected mode: CPL <= IOPL, else #GP(0)). */
void helper_cli(X86CPU *cpu);
/** helper_sti: STI (same rules).  [END+1] */
void helper_sti(X86CPU *cpu);
/** helper_pushf: the value PUSHF pushes (VM and RF cleared).  [CC] */
uint64_t helper_pushf(X86CPU *cpu);
/**
 * helper_popf: POPF of @val with operand size @size (2, 4, 8): IOPL only
 * at CPL0, IF only at CPL <= IOPL, VM/VIP/VIF never changed (RF
 * cleared).  [CC] [CC-OUT] [END] (IF, TF, AC).
 */
void helper_popf(X86CPU *cpu, uint64_t val, int size);
/** helper_hlt: HLT (#GP(0) at CPL>0): rip = @next_rip, halted, exit to the
 * exec loop with EXCP_HLT.  Never returns.  cc_op must be in env. */
_Noreturn void helper_hlt(X86CPU *cpu, uint64_t next_rip);
/** helper_pause: PAUSE: a host spin-loop hint.  [NORAISE] */
void helper_pause(X86CPU *cpu);

#endif
