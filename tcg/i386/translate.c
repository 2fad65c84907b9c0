/*
 * translate.c: the x86 frontend's core: the block loop, fetching and
 * decoding (Zydis), operands, addresses, exceptions and block ends.  The
 * instruction families live in translate-alu.c and translate-misc.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stddef.h>
#include "tcg/i386/translate-internal.h"
#include "tcg/i386/helper.h"
#include "tcg/exec.h"
#include "tcg/softmmu.h"
#include "main/trace.h"

LOG_ITEM_DEFINE(unimp, "log unimplemented or invalid guest instructions "
                "(raised as #UD)");

/* ---- Globals, per translating thread and context ----------------------- */

/* Contexts are per thread, so a tiny per-thread table suffices; a thread
 * normally owns exactly one context. */
#define X86_GLOBAL_SLOTS 4
static __thread struct {
    TCGContext *s;
    X86Globals g;
} x86_globals[X86_GLOBAL_SLOTS];

static const char *const reg_names[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

void x86_translate_init(TCGContext *s)
{
    X86Globals *g = NULL;

    for (int i = 0; i < X86_GLOBAL_SLOTS; i++) {
        if (!x86_globals[i].s || x86_globals[i].s == s) {
            x86_globals[i].s = s;
            g = &x86_globals[i].g;
            break;
        }
    }
    if (!g) {                   /* recycle the oldest slot */
        memmove(&x86_globals[0], &x86_globals[1],
                sizeof(x86_globals[0]) * (X86_GLOBAL_SLOTS - 1));
        x86_globals[X86_GLOBAL_SLOTS - 1].s = s;
        g = &x86_globals[X86_GLOBAL_SLOTS - 1].g;
    }
    g->env = tcg_env(s);
    for (int i = 0; i < 16; i++) {
        g->regs[i] = tcg_global_mem_new(s, I64, offsetof(X86CPU, regs[i]),
                                        reg_names[i]);
    }
    g->cc_dst = tcg_global_mem_new(s, I64, offsetof(X86CPU, cc_dst),
                                   "cc_dst");
    g->cc_src = tcg_global_mem_new(s, I64, offsetof(X86CPU, cc_src),
                                   "cc_src");
    g->cc_src2 = tcg_global_mem_new(s, I64, offsetof(X86CPU, cc_src2),
                                    "cc_src2");
    g->cc_op = tcg_global_mem_new(s, I32, offsetof(X86CPU, cc_op), "cc_op");
    g->rflags = tcg_global_mem_new(s, I64, offsetof(X86CPU, rflags),
                                   "rflags");
}

static const X86Globals *x86_globals_for(TCGContext *s)
{
    for (int i = 0; i < X86_GLOBAL_SLOTS; i++) {
        if (x86_globals[i].s == s) {
            return &x86_globals[i].g;
        }
    }
    g_assert_not_reached();     /* x86_translate_init was not called */
}

/* ---- Decoders ---------------------------------------------------------- */

/* One decoder per (machine mode, stack width): read-only once set up, so
 * all threads share them. */
enum { DEC_REAL16, DEC_LEG16, DEC_LEG32, DEC_COMPAT16, DEC_COMPAT32,
       DEC_LONG64, DEC_NB };
static ZydisDecoder decoders[DEC_NB][2];

static gpointer decoders_init(gpointer unused)
{
    static const ZydisMachineMode modes[DEC_NB] = {
        ZYDIS_MACHINE_MODE_REAL_16, ZYDIS_MACHINE_MODE_LEGACY_16,
        ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_MACHINE_MODE_LONG_COMPAT_16,
        ZYDIS_MACHINE_MODE_LONG_COMPAT_32, ZYDIS_MACHINE_MODE_LONG_64,
    };

    (void)unused;
    for (int m = 0; m < DEC_NB; m++) {
        for (int sw = 0; sw < 2; sw++) {
            ZydisDecoder *dec = &decoders[m][sw];
            ZydisStackWidth w = m == DEC_LONG64 ? ZYDIS_STACK_WIDTH_64 :
                                sw ? ZYDIS_STACK_WIDTH_32 :
                                ZYDIS_STACK_WIDTH_16;

            if (ZYAN_FAILED(ZydisDecoderInit(dec, modes[m], w))) {
                g_error("tcg/i386: ZydisDecoderInit(mode %d) failed", m);
            }
            /*
             * The CPUID model TCG advertises has LZCNT (ABM) but not BMI1,
             * so F3 0F BC is BSF with an ignored prefix, as on the CPUs
             * that lack TZCNT.
             */
            ZydisDecoderEnableMode(dec, ZYDIS_DECODER_MODE_LZCNT, true);
            ZydisDecoderEnableMode(dec, ZYDIS_DECODER_MODE_TZCNT, false);
        }
    }
    return NULL;
}

static const ZydisDecoder *decoder_for(DisasContext *d)
{
    static GOnce once = G_ONCE_INIT;
    int m;

    g_once(&once, decoders_init, NULL);
    if (d->code64) {
        m = DEC_LONG64;
    } else if (d->flags & X86_TBF_LMA) {
        m = d->code32 ? DEC_COMPAT32 : DEC_COMPAT16;
    } else if (!d->pe) {
        m = DEC_REAL16;
    } else {
        m = d->code32 ? DEC_LEG32 : DEC_LEG16;
    }
    return &decoders[m][d->ss32 ? 1 : 0];
}

/* ---- Values and registers ---------------------------------------------- */

void gen_ext(DisasContext *d, MemOp ot, TCGv ret, TCGv v)
{
    switch (ot) {
    case MO_8:  tcg_gen_ext8u(d->s, I64, ret, v); break;
    case MO_16: tcg_gen_ext16u(d->s, I64, ret, v); break;
    case MO_32: tcg_gen_ext32u(d->s, I64, ret, v); break;
    default:    tcg_gen_mov(d->s, I64, ret, v); break;
    }
}

void gen_exts(DisasContext *d, MemOp ot, TCGv ret, TCGv v)
{
    switch (ot) {
    case MO_8:  tcg_gen_ext8s(d->s, I64, ret, v); break;
    case MO_16: tcg_gen_ext16s(d->s, I64, ret, v); break;
    case MO_32: tcg_gen_ext32s(d->s, I64, ret, v); break;
    default:    tcg_gen_mov(d->s, I64, ret, v); break;
    }
}

void gen_ld_reg(DisasContext *d, MemOp ot, int reg, bool hi8, TCGv ret)
{
    if (ot == MO_8 && hi8) {
        tcg_gen_extract(d->s, I64, ret, d->g->regs[reg], 8, 8);
    } else {
        gen_ext(d, ot, ret, d->g->regs[reg]);
    }
}

void gen_st_reg(DisasContext *d, MemOp ot, int reg, bool hi8, TCGv val)
{
    TCGv r = d->g->regs[reg];

    switch (ot) {
    case MO_8:
        tcg_gen_deposit(d->s, I64, r, r, val, hi8 ? 8 : 0, 8);
        break;
    case MO_16:
        tcg_gen_deposit(d->s, I64, r, r, val, 0, 16);
        break;
    case MO_32:
        /* a 32-bit destination zero-extends into the full register */
        tcg_gen_ext32u(d->s, I64, r, val);
        break;
    default:
        tcg_gen_mov(d->s, I64, r, val);
        break;
    }
}

void gen_ld_mem(DisasContext *d, MemOp ot, TCGv ret, TCGv addr)
{
    tcg_gen_qemu_ld(d->s, I64, ret, addr, ot, d->mmu_idx);
}

void gen_st_mem(DisasContext *d, MemOp ot, TCGv val, TCGv addr)
{
    tcg_gen_qemu_st(d->s, I64, val, addr, ot, d->mmu_idx);
}

/* Zydis register -> our register number and size; false if not a GPR. */
static bool zreg_gpr(ZydisRegister zr, int *reg, MemOp *ot, bool *hi8)
{
    *hi8 = false;
    if (zr >= ZYDIS_REGISTER_AL && zr <= ZYDIS_REGISTER_R15B) {
        int i = zr - ZYDIS_REGISTER_AL;

        *ot = MO_8;
        if (i >= 4 && i < 8) {
            *reg = i - 4;
            *hi8 = true;
        } else {
            *reg = i < 4 ? i : i - 4;
        }
        return true;
    }
    if (zr >= ZYDIS_REGISTER_AX && zr <= ZYDIS_REGISTER_R15W) {
        *reg = zr - ZYDIS_REGISTER_AX;
        *ot = MO_16;
        return true;
    }
    if (zr >= ZYDIS_REGISTER_EAX && zr <= ZYDIS_REGISTER_R15D) {
        *reg = zr - ZYDIS_REGISTER_EAX;
        *ot = MO_32;
        return true;
    }
    if (zr >= ZYDIS_REGISTER_RAX && zr <= ZYDIS_REGISTER_R15) {
        *reg = zr - ZYDIS_REGISTER_RAX;
        *ot = MO_64;
        return true;
    }
    return false;
}

static MemOp bits_to_ot(unsigned bits)
{
    switch (bits) {
    case 8: return MO_8;
    case 16: return MO_16;
    case 32: return MO_32;
    default: return MO_64;
    }
}

/* ---- Addresses -------------------------------------------------------- */

TCGv gen_ea(DisasContext *d, const ZydisDecodedOperand *op)
{
    const ZydisDecodedOperandMem *m = &op->mem;
    TCGv ea = tmp64(d);
    int reg;
    MemOp rot;
    bool hi8;
    bool have = false;

    if (m->base == ZYDIS_REGISTER_RIP || m->base == ZYDIS_REGISTER_EIP) {
        uint64_t a = next_rip(d) + m->disp.value;

        return const64(d, d->aflag == MO_32 ? (uint32_t)a : a);
    }
    if (m->base != ZYDIS_REGISTER_NONE && zreg_gpr(m->base, &reg, &rot, &hi8)) {
        tcg_gen_mov(d->s, I64, ea, d->g->regs[reg]);
        have = true;
    }
    if (m->index != ZYDIS_REGISTER_NONE && zreg_gpr(m->index, &reg, &rot, &hi8)) {
        TCGv idx = d->g->regs[reg];

        if (m->scale > 1) {
            idx = tmp64(d);
            tcg_gen_shli(d->s, I64, idx, d->g->regs[reg],
                         __builtin_ctz(m->scale));
        }
        if (have) {
            tcg_gen_add(d->s, I64, ea, ea, idx);
        } else {
            tcg_gen_mov(d->s, I64, ea, idx);
        }
        have = true;
    }
    if (!have) {
        uint64_t a = (uint64_t)m->disp.value & ot_mask(d->aflag);

        return const64(d, a);
    }
    if (m->disp.value) {
        tcg_gen_addi(d->s, I64, ea, ea, m->disp.value);
    }
    if (d->aflag != MO_64) {
        gen_ext(d, d->aflag, ea, ea);
    }
    return ea;
}

TCGv gen_linear(DisasContext *d, TCGv ea, int seg)
{
    TCGv base, lin;

    if (d->code64) {
        if (seg != R_FS && seg != R_GS) {
            return ea;
        }
    } else if (!d->addseg && (seg == R_DS || seg == R_ES || seg == R_SS)) {
        return ea;
    }
    base = tmp64(d);
    lin = tmp64(d);
    tcg_gen_ld(d->s, I64, base, d->g->env,
               offsetof(X86CPU, segs) + seg * sizeof(SegmentCache) +
               offsetof(SegmentCache, base));
    tcg_gen_add(d->s, I64, lin, ea, base);
    if (!d->code64) {
        tcg_gen_ext32u(d->s, I64, lin, lin);
    }
    return lin;
}

TCGv gen_seg_reg_addr(DisasContext *d, int seg, TCGv reg, MemOp asize)
{
    TCGv ea = tmp64(d);

    gen_ext(d, asize, ea, reg);
    return gen_linear(d, ea, seg);
}

static int zseg(ZydisRegister r)
{
    if (r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS) {
        return r - ZYDIS_REGISTER_ES;
    }
    return R_DS;
}

/* ---- Operands ---------------------------------------------------------- */

X86Opnd *decode_opnd(DisasContext *d, int i, X86Opnd *o)
{
    const ZydisDecodedOperand *op = &d->ops[i];

    memset(o, 0, sizeof(*o));
    if (i >= d->insn.operand_count) {
        return o;
    }
    o->ot = bits_to_ot(op->size);
    switch (op->type) {
    case ZYDIS_OPERAND_TYPE_REGISTER:
        if (zreg_gpr(op->reg.value, &o->reg, &o->ot, &o->hi8)) {
            o->kind = OPND_REG;
        }
        break;
    case ZYDIS_OPERAND_TYPE_MEMORY:
        o->kind = OPND_MEM;
        o->addr = gen_linear(d, gen_ea(d, op), zseg(op->mem.segment));
        break;
    case ZYDIS_OPERAND_TYPE_IMMEDIATE:
        /* sign-extended as encoded (imm8 in a 64-bit add is -1, not
         * 0xff); users mask it to the size they operate at */
        o->kind = OPND_IMM;
        o->ot = d->ot;
        o->imm = op->imm.is_signed ? (uint64_t)op->imm.value.s :
                 op->imm.value.u;
        break;
    default:
        break;
    }
    return o;
}

TCGv gen_ld_opnd(DisasContext *d, X86Opnd *o)
{
    TCGv v;

    switch (o->kind) {
    case OPND_REG:
        v = tmp64(d);
        gen_ld_reg(d, o->ot, o->reg, o->hi8, v);
        return v;
    case OPND_MEM:
        v = tmp64(d);
        gen_ld_mem(d, o->ot, v, o->addr);
        return v;
    case OPND_IMM:
        return const64(d, o->imm & ot_mask(o->ot));
    default:
        return const64(d, 0);
    }
}

void gen_st_opnd(DisasContext *d, X86Opnd *o, TCGv val)
{
    switch (o->kind) {
    case OPND_REG:
        gen_st_reg(d, o->ot, o->reg, o->hi8, val);
        break;
    case OPND_MEM:
        gen_st_mem(d, o->ot, val, o->addr);
        break;
    default:
        break;
    }
}

/* ---- Flags state, rip, exceptions -------------------------------------- */

void set_cc_op(DisasContext *d, uint32_t op)
{
    if (op != d->cc_op) {
        d->cc_op = op;
        d->cc_op_dirty = op != CC_OP_DYNAMIC;
    }
}

void gen_update_cc_op(DisasContext *d)
{
    if (d->cc_op_dirty) {
        tcg_gen_movi(d->s, I32, d->g->cc_op, d->cc_op);
        d->cc_op_dirty = false;
    }
}

static void gen_store_rip(DisasContext *d, uint64_t rip)
{
    tcg_gen_st(d->s, I64, const64(d, rip), d->g->env,
               offsetof(X86CPU, rip));
}

void gen_update_rip_cur(DisasContext *d)
{
    gen_store_rip(d, cur_rip(d));
}

void gen_update_rip_next(DisasContext *d)
{
    gen_store_rip(d, next_rip(d));
}

void gen_exception(DisasContext *d, int vector)
{
    gen_update_cc_op(d);
    gen_update_rip_cur(d);
    gen_helper(d, helper_raise_exception, 0, -1, 2, d->g->env,
               const64(d, vector));
    d->is_jmp = DISAS_NORETURN;
}

void gen_exception_err(DisasContext *d, int vector, uint32_t err)
{
    gen_update_cc_op(d);
    gen_update_rip_cur(d);
    gen_helper(d, helper_raise_exception_err, 0, -1, 3, d->g->env,
               const64(d, vector), const64(d, err));
    d->is_jmp = DISAS_NORETURN;
}

void gen_unimp(DisasContext *d, const char *why)
{
    if (log_enabled(unimp)) {
        GString *hex = g_string_new(NULL);

        for (unsigned i = 0; i < d->insn.length && i < sizeof(d->bytes); i++) {
            g_string_append_printf(hex, "%s%02x", i ? " " : "", d->bytes[i]);
        }
        log_printf("unimp: pc 0x%" PRIx64 " [%s] %s%s%s\n", d->pc, hex->str,
                   ZydisMnemonicGetString(d->insn.mnemonic) ?: "?",
                   why && *why ? ": " : "", why ? why : "");
        g_string_free(hex, true);
    }
    gen_exception(d, EXCP_UD);
}

/* ---- Block ends --------------------------------------------------------- */

/* Chaining is only safe to a target on a page this block already depends
 * on: its virtual->physical mapping is then checked by this block's own
 * lookup, so the direct jump cannot outlive a remapping. */
static bool use_goto_tb(DisasContext *d, uint64_t rip)
{
    uint64_t pc = rip + d->cs_base;

    if (!d->code64) {
        pc = (uint32_t)pc;
    }
    return !d->in_shadow && !(d->flags & X86_TBF_TF) &&
           ((pc ^ d->tb->pc) & TARGET_PAGE_MASK) == 0;
}

static void gen_lookup_and_goto(DisasContext *d)
{
    TCGv ptr;

    if (d->flags & X86_TBF_TF) {
        gen_helper(d, helper_x86_single_step, 0, -1, 1, d->g->env);
        return;
    }
    if (d->in_shadow) {
        tcg_gen_exit_tb(d->s, NULL, 0);
        return;
    }
    ptr = tmp64(d);
    gen_helper(d, helper_lookup_tb_ptr,
               TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_RAISE, ptr, 1,
               d->g->env);
    tcg_gen_goto_ptr(d->s, ptr);
}

void gen_jmp_rip(DisasContext *d, uint64_t rip, int slot)
{
    gen_update_cc_op(d);
    gen_store_rip(d, rip);
    if (use_goto_tb(d, rip)) {
        tcg_gen_goto_tb(d->s, slot);
        tcg_gen_exit_tb(d->s, d->tb, slot);
    } else {
        gen_lookup_and_goto(d);
    }
    d->is_jmp = DISAS_NORETURN;
}

void gen_jmp_dyn(DisasContext *d, TCGv target)
{
    gen_update_cc_op(d);
    tcg_gen_st(d->s, I64, target, d->g->env, offsetof(X86CPU, rip));
    gen_lookup_and_goto(d);
    d->is_jmp = DISAS_NORETURN;
}

void gen_exit_rip(DisasContext *d, uint64_t rip)
{
    gen_update_cc_op(d);
    gen_store_rip(d, rip);
    if (d->flags & X86_TBF_TF) {
        gen_helper(d, helper_x86_single_step, 0, -1, 1, d->g->env);
    } else {
        tcg_gen_exit_tb(d->s, NULL, 0);
    }
    d->is_jmp = DISAS_NORETURN;
}

/* ---- Fetch and decode ------------------------------------------------- */

/*
 * Fetch the current instruction's bytes page by page, so a block only
 * depends on (and registers) a second page when an instruction really
 * reaches into it.  Returns false when a later instruction is not
 * completely readable (the block ends before it); the first instruction
 * faults instead.
 */
static bool fetch_decode(DisasContext *d, bool first, ZyanStatus *status)
{
    const ZydisDecoder *dec = decoder_for(d);
    unsigned in_page = TARGET_PAGE_SIZE - (d->pc & ~TARGET_PAGE_MASK);
    unsigned want = MIN(15u, in_page);
    int n = tcg_fetch_code(d->cpu, d->tb, d->pc, d->bytes, want, d->mmu_idx,
                           first);

    if (n <= 0) {
        return false;
    }
    *status = ZydisDecoderDecodeFull(dec, d->bytes, n, &d->insn, d->ops);
    if (*status == ZYDIS_STATUS_NO_MORE_DATA && (unsigned)n == want &&
        want < 15) {
        int m = tcg_fetch_code(d->cpu, d->tb, d->pc + n, d->bytes + n,
                               15 - n, d->mmu_idx, first);

        if (m <= 0) {
            return false;
        }
        n += m;
        *status = ZydisDecoderDecodeFull(dec, d->bytes, n, &d->insn, d->ops);
    }
    if (*status == ZYDIS_STATUS_NO_MORE_DATA && n < 15) {
        /* the rest is unreadable */
        if (!first) {
            return false;
        }
    }
    return true;
}

bool next_insn_kills_flags(DisasContext *d)
{
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    uint8_t bytes[15];
    uint64_t npc = d->next_pc;
    unsigned want = MIN(15u, TARGET_PAGE_SIZE - (npc & ~TARGET_PAGE_MASK));
    int n;

    /* the loop below translates the next instruction into this block only
     * on the same page, within max_insns and outside an interrupt shadow */
    if (d->in_shadow || d->num_insns + 1 >= d->max_insns ||
        ((npc ^ d->tb->pc) & TARGET_PAGE_MASK)) {
        return false;
    }
    n = tcg_fetch_code(d->cpu, d->tb, npc, bytes, want, d->mmu_idx, false);
    if (n <= 0 || ZYAN_FAILED(ZydisDecoderDecodeFull(decoder_for(d), bytes, n,
                                                     &in, ops))) {
        return false;
    }
    switch (in.mnemonic) {
    case ZYDIS_MNEMONIC_ADD: case ZYDIS_MNEMONIC_SUB:
    case ZYDIS_MNEMONIC_AND: case ZYDIS_MNEMONIC_OR:
    case ZYDIS_MNEMONIC_XOR: case ZYDIS_MNEMONIC_CMP:
    case ZYDIS_MNEMONIC_TEST:
        break;
    default:
        return false;
    }
    if (in.attributes & ZYDIS_ATTRIB_HAS_LOCK) {
        return false;                   /* #UD without a memory operand */
    }
    for (unsigned i = 0; i < in.operand_count_visible; i++) {
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY) {
            return false;               /* may fault: flags observable */
        }
    }
    return true;
}

static void setup_insn(DisasContext *d)
{
    const ZydisDecodedInstruction *in = &d->insn;
    uint64_t a = in->attributes;

    d->next_pc = d->pc + in->length;
    if (!d->code64) {
        d->next_pc = (uint32_t)d->next_pc;
    }
    d->ot = bits_to_ot(in->operand_width ? in->operand_width : 32);
    d->aflag = bits_to_ot(in->address_width ? in->address_width :
                          (d->code64 ? 64 : d->code32 ? 32 : 16));
    d->sflag = d->code64 ? MO_64 : d->ss32 ? MO_32 : MO_16;
    d->lock = a & ZYDIS_ATTRIB_HAS_LOCK;
    d->rep = a & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE);
    d->repne = a & ZYDIS_ATTRIB_HAS_REPNE;
    d->seg_prefix = -1;
    if (a & ZYDIS_ATTRIB_HAS_SEGMENT_FS) {
        d->seg_prefix = R_FS;
    } else if (a & ZYDIS_ATTRIB_HAS_SEGMENT_GS) {
        d->seg_prefix = R_GS;
    } else if (!d->code64) {
        if (a & ZYDIS_ATTRIB_HAS_SEGMENT_ES) {
            d->seg_prefix = R_ES;
        } else if (a & ZYDIS_ATTRIB_HAS_SEGMENT_CS) {
            d->seg_prefix = R_CS;
        } else if (a & ZYDIS_ATTRIB_HAS_SEGMENT_SS) {
            d->seg_prefix = R_SS;
        } else if (a & ZYDIS_ATTRIB_HAS_SEGMENT_DS) {
            d->seg_prefix = R_DS;
        }
    }
}

static void translate_insn(DisasContext *d, ZyanStatus status)
{
    if (status == ZYDIS_STATUS_INSTRUCTION_TOO_LONG ||
        status == ZYDIS_STATUS_NO_MORE_DATA) {
        /* more than 15 bytes of prefixes and opcode */
        d->next_pc = d->pc + 15;
        gen_exception_err(d, EXCP_GP, 0);
        return;
    }
    if (ZYAN_FAILED(status)) {
        memset(&d->insn, 0, sizeof(d->insn));
        d->insn.length = 1;
        d->next_pc = d->pc + 1;
        gen_unimp(d, "undecodable");
        return;
    }
    setup_insn(d);
    if (d->flags & X86_TBF_VM) {
        gen_unimp(d, "virtual-8086 mode");
        return;
    }
    if (translate_alu(d) || translate_misc(d) || translate_system(d)) {
        return;
    }
    gen_unimp(d, NULL);
}

int x86_translate_block(TCGContext *s, X86CPU *cpu, TranslationBlock *tb,
                        int max_insns)
{
    DisasContext dc = {
        .s = s, .cpu = cpu, .tb = tb, .g = x86_globals_for(s),
        .cs_base = tb->cs_base, .flags = tb->flags,
        .cc_op = CC_OP_DYNAMIC,
    };
    DisasContext *d = &dc;
    TCGLabel *exit_req;
    TCGv req;
    uint64_t pc = tb->pc;

    d->cpl = tb->flags & X86_TBF_CPL_MASK;
    d->iopl = (tb->flags & X86_TBF_IOPL_MASK) >> X86_TBF_IOPL_SHIFT;
    d->mmu_idx = x86_mmu_index(tb->flags);
    d->code64 = tb->flags & X86_TBF_CODE64;
    d->code32 = tb->flags & X86_TBF_CODE32;
    d->ss32 = tb->flags & X86_TBF_SS32;
    d->addseg = tb->flags & X86_TBF_ADDSEG;
    d->pe = tb->flags & X86_TBF_PE;
    if (max_insns < 1 || max_insns > TB_MAX_INSNS) {
        max_insns = TB_MAX_INSNS;
    }
    if (tb->flags & X86_TBF_TF) {
        max_insns = 1;
    }
    d->max_insns = max_insns;

    tcg_func_start(s);
    /* a kick (exit_request) must stop even a chain of linked blocks */
    exit_req = tcg_label_new(s);
    req = tmp64(d);
    tcg_gen_ld32s(s, I64, req, d->g->env, offsetof(X86CPU, exit_request));
    tcg_gen_brcondi(s, I64, TCG_COND_NE, req, 0, exit_req);

    for (;;) {
        ZyanStatus status = ZYAN_STATUS_SUCCESS;
        bool shadow_next;

        d->pc = pc;
        if (!fetch_decode(d, d->num_insns == 0, &status)) {
            /* the first fetch raises #PF instead of failing (softmmu.h) */
            g_assert(d->num_insns > 0);
            /* not readable now: a fresh block will fault on it */
            if (d->in_shadow) {
                gen_exit_rip(d, cur_rip(d));
            } else {
                gen_jmp_rip(d, cur_rip(d), 0);
            }
            break;
        }
        tcg_gen_insn_start(s, pc, d->cc_op);
        d->is_jmp = DISAS_NEXT;
        translate_insn(d, status);
        d->num_insns++;
        pc = d->next_pc;

        shadow_next = d->is_jmp == DISAS_EXIT_AFTER_NEXT;
        if (shadow_next) {
            d->is_jmp = DISAS_NEXT;
        } else if (d->in_shadow && d->is_jmp == DISAS_NEXT) {
            d->is_jmp = DISAS_EXIT;
        }
        if (d->is_jmp == DISAS_NEXT &&
            (((pc ^ tb->pc) & TARGET_PAGE_MASK) ||
             (d->num_insns >= max_insns && !shadow_next))) {
            d->is_jmp = shadow_next ? DISAS_EXIT : DISAS_TOO_MANY;
        }
        d->in_shadow = shadow_next;
        if (d->is_jmp != DISAS_NEXT) {
            break;
        }
    }

    switch (d->is_jmp) {
    case DISAS_TOO_MANY:
        gen_jmp_rip(d, next_rip(d), 0);
        break;
    case DISAS_LOOKUP:
        gen_update_cc_op(d);
        gen_lookup_and_goto(d);
        break;
    case DISAS_EXIT:
        gen_exit_rip(d, next_rip(d));
        break;
    case DISAS_EXIT_DYN:
        gen_update_cc_op(d);
        if (d->flags & X86_TBF_TF) {
            gen_helper(d, helper_x86_single_step, 0, -1, 1, d->g->env);
        } else {
            tcg_gen_exit_tb(s, NULL, 0);
        }
        break;
    default:
        break;
    }
    tcg_gen_set_label(s, exit_req);
    tcg_gen_exit_tb(s, NULL, 0);

    tb->size = pc - tb->pc;
    if (!d->code64) {
        tb->size = (uint32_t)tb->size;
    }
    tb->icount = d->num_insns;
    return d->num_insns;
}
