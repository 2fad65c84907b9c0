/*
 * tcg-target.c: the x86-64 host backend: instruction encoding, one
 * emitter per op, the softmmu TLB fast path with out-of-line slow paths,
 * block chaining (goto_tb), and the prologue that tcg_tb_exec enters.
 *
 * Encodings follow the Intel SDM, volume 2.  The emitters assume the
 * register allocator honoured the constraints in op_defs below.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <cpuid.h>
#include "hw/cpu.h"
#include "tcg/code-buffer.h"
#include "tcg/tcg-internal.h"
#include "tcg/tcg-op.h"
#include "tcg/exec.h"

/* ---- Encoding ----------------------------------------------------------- */

#define P_EXT       0x100       /* 0x0f escape */
#define P_DATA16    0x200       /* 0x66 operand size prefix */
#define P_F3        0x400       /* 0xf3 prefix (popcnt) */
#define P_REXW      0x800       /* 64-bit operand size */
#define P_REXB_R    0x1000      /* reg field is a byte register */
#define P_REXB_RM   0x2000      /* r/m field is a byte register */

#define OPC_ARITH_EvIz  0x81
#define OPC_ARITH_EvIb  0x83
#define OPC_ARITH_GvEv  0x03    /* + (ext << 3) */
#define OPC_BSF         (0xbc | P_EXT)
#define OPC_BSR         (0xbd | P_EXT)
#define OPC_BSWAP       (0xc8 | P_EXT)
#define OPC_CALL_Jz     0xe8
#define OPC_CMOVCC      (0x40 | P_EXT)
#define OPC_IMUL_GvEv   (0xaf | P_EXT)
#define OPC_IMUL_GvEvIb 0x6b
#define OPC_IMUL_GvEvIz 0x69
#define OPC_JCC_long    (0x80 | P_EXT)
#define OPC_JMP_long    0xe9
#define OPC_LEA         0x8d
#define OPC_MOVB_EvGv   0x88
#define OPC_MOVL_EvGv   0x89
#define OPC_MOVL_GvEv   0x8b
#define OPC_MOVB_EvIz   0xc6
#define OPC_MOVL_EvIz   0xc7
#define OPC_MOVL_Iv     0xb8
#define OPC_MOVSBL      (0xbe | P_EXT)
#define OPC_MOVSWL      (0xbf | P_EXT)
#define OPC_MOVSLQ      (0x63 | P_REXW)
#define OPC_MOVZBL      (0xb6 | P_EXT)
#define OPC_MOVZWL      (0xb7 | P_EXT)
#define OPC_POPCNT      (0xb8 | P_EXT | P_F3)
#define OPC_PUSH_r32    0x50
#define OPC_POP_r32     0x58
#define OPC_RET         0xc3
#define OPC_SETCC       (0x90 | P_EXT | P_REXB_RM)
#define OPC_SHIFT_1     0xd1
#define OPC_SHIFT_Ib    0xc1
#define OPC_SHIFT_cl    0xd3
#define OPC_TESTL       0x85
#define OPC_GRP3_Ev     0xf7
#define OPC_GRP5        0xff
#define OPC_XCHG        0x87

enum { ARITH_ADD, ARITH_OR, ARITH_ADC, ARITH_SBB, ARITH_AND, ARITH_SUB,
       ARITH_XOR, ARITH_CMP };
enum { SHIFT_ROL = 0, SHIFT_ROR = 1, SHIFT_SHL = 4, SHIFT_SHR = 5,
       SHIFT_SAR = 7 };
enum { EXT3_NOT = 2, EXT3_NEG = 3, EXT3_MUL = 4, EXT3_IMUL = 5 };
enum { EXT5_CALLN_Ev = 2, EXT5_JMPN_Ev = 4 };

/* x86 condition codes, indexed by TCGCond */
static const uint8_t tcg_cond_to_jcc[] = {
    [TCG_COND_EQ] = 0x4, [TCG_COND_NE] = 0x5,
    [TCG_COND_LT] = 0xc, [TCG_COND_GE] = 0xd,
    [TCG_COND_LE] = 0xe, [TCG_COND_GT] = 0xf,
    [TCG_COND_LTU] = 0x2, [TCG_COND_GEU] = 0x3,
    [TCG_COND_LEU] = 0x6, [TCG_COND_GTU] = 0x7,
};

/*
 * The softmmu slow-path helpers live in tcg/softmmu.c.  Referenced weakly
 * so that the backend links (and its unit tests run the TLB hit path)
 * in builds without the softmmu; a slow path taken there ends in
 * softmmu_missing().
 */
extern __typeof__(helper_ld_mmu) helper_ld_mmu __attribute__((weak));
extern __typeof__(helper_st_mmu) helper_st_mmu __attribute__((weak));

static void softmmu_missing(void)
{
    g_error("tcg: TLB miss, but tcg/softmmu.c is not linked in");
}

static bool have_popcnt;
static const uint8_t *tb_ret_addr;      /* epilogue: return rax */
static const uint8_t *tb_ret0_addr;     /* epilogue: return 0 */
static uintptr_t (*tcg_prologue)(X86CPU *cpu, const void *tc_ptr);
const void *tcg_code_gen_epilogue;

static void tcg_out_opc(TCGContext *s, int opc, int r, int rm, int x)
{
    int rex = 0;

    if (opc & P_DATA16) {
        tcg_out8(s, 0x66);
    }
    if (opc & P_F3) {
        tcg_out8(s, 0xf3);
    }
    rex |= (opc & P_REXW) ? 0x8 : 0;
    rex |= (r & 8) >> 1;
    rex |= (x & 8) >> 2;
    rex |= (rm & 8) >> 3;
    /* without a REX prefix byte registers 4-7 are ah..bh, not spl..dil */
    if (((opc & P_REXB_R) && (r & 15) >= 4) ||
        ((opc & P_REXB_RM) && (rm & 15) >= 4)) {
        rex |= 0x40;
    }
    if (rex) {
        tcg_out8(s, 0x40 | rex);
    }
    if (opc & P_EXT) {
        tcg_out8(s, 0x0f);
    }
    tcg_out8(s, opc & 0xff);
}

static void tcg_out_modrm(TCGContext *s, int opc, int r, int rm)
{
    tcg_out_opc(s, opc, r, rm, 0);
    tcg_out8(s, 0xc0 | ((r & 7) << 3) | (rm & 7));
}

/* [base + index << shift + offset]; index -1 for none */
static void tcg_out_modrm_sib(TCGContext *s, int opc, int r, int base,
                              int index, int shift, intptr_t offset)
{
    int mod;

    g_assert(offset == (int32_t)offset);
    tcg_out_opc(s, opc, r, base, index < 0 ? 0 : index);
    if (offset == 0 && (base & 7) != TCG_REG_RBP) {
        mod = 0x00;
    } else if (offset == (int8_t)offset) {
        mod = 0x40;
    } else {
        mod = 0x80;
    }
    if (index < 0 && (base & 7) != TCG_REG_RSP) {
        tcg_out8(s, mod | ((r & 7) << 3) | (base & 7));
    } else {
        tcg_out8(s, mod | ((r & 7) << 3) | 4);
        tcg_out8(s, (shift << 6) | ((index < 0 ? 4 : index & 7) << 3) |
                 (base & 7));
    }
    if (mod == 0x40) {
        tcg_out8(s, (uint8_t)offset);
    } else if (mod == 0x80) {
        tcg_out32(s, (uint32_t)offset);
    }
}

static void tcg_out_modrm_offset(TCGContext *s, int opc, int r, int base,
                                 intptr_t offset)
{
    tcg_out_modrm_sib(s, opc, r, base, -1, 0, offset);
}

static int rexw(TCGType type)
{
    return type == TCG_TYPE_I64 ? P_REXW : 0;
}

/* ---- Basic moves and arithmetic ----------------------------------------- */

void tcg_out_mov(TCGContext *s, TCGType type, int ret, int arg)
{
    if (ret != arg) {
        tcg_out_modrm(s, OPC_MOVL_GvEv | rexw(type), ret, arg);
    }
}

/* Flags-preserving constant load (never uses xor). */
static void tcg_out_movi_noflags(TCGContext *s, TCGType type, int ret,
                                 int64_t val)
{
    if (type == TCG_TYPE_I32 || val == (int64_t)(uint32_t)val) {
        tcg_out_opc(s, OPC_MOVL_Iv + (ret & 7), 0, ret, 0);
        tcg_out32(s, (uint32_t)val);
    } else if (val == (int32_t)val) {
        tcg_out_modrm(s, OPC_MOVL_EvIz | P_REXW, 0, ret);
        tcg_out32(s, (uint32_t)val);
    } else {
        tcg_out_opc(s, (OPC_MOVL_Iv + (ret & 7)) | P_REXW, 0, ret, 0);
        tcg_out64(s, (uint64_t)val);
    }
}

void tcg_out_movi(TCGContext *s, TCGType type, int ret, int64_t val)
{
    if (val == 0 || (type == TCG_TYPE_I32 && (uint32_t)val == 0)) {
        tcg_out_modrm(s, OPC_ARITH_GvEv + (ARITH_XOR << 3), ret, ret);
        return;
    }
    tcg_out_movi_noflags(s, type, ret, val);
}

void tcg_out_ld(TCGContext *s, TCGType type, int ret, int base,
                intptr_t offset)
{
    tcg_out_modrm_offset(s, OPC_MOVL_GvEv | rexw(type), ret, base, offset);
}

void tcg_out_st(TCGContext *s, TCGType type, int val, int base,
                intptr_t offset)
{
    tcg_out_modrm_offset(s, OPC_MOVL_EvGv | rexw(type), val, base, offset);
}

/* Store an immediate of @size bytes (0..3 = 1..8 bytes). */
static bool tcg_out_sti_size(TCGContext *s, int size, int64_t val, int base,
                             intptr_t offset)
{
    switch (size) {
    case MO_8:
        tcg_out_modrm_offset(s, OPC_MOVB_EvIz, 0, base, offset);
        tcg_out8(s, (uint8_t)val);
        return true;
    case MO_16:
        tcg_out_modrm_offset(s, OPC_MOVL_EvIz | P_DATA16, 0, base, offset);
        tcg_out16(s, (uint16_t)val);
        return true;
    case MO_32:
        tcg_out_modrm_offset(s, OPC_MOVL_EvIz, 0, base, offset);
        tcg_out32(s, (uint32_t)val);
        return true;
    default:
        if (val != (int32_t)val) {
            return false;
        }
        tcg_out_modrm_offset(s, OPC_MOVL_EvIz | P_REXW, 0, base, offset);
        tcg_out32(s, (uint32_t)val);
        return true;
    }
}

bool tcg_out_sti(TCGContext *s, TCGType type, int64_t val, int base,
                 intptr_t offset)
{
    return tcg_out_sti_size(s, type == TCG_TYPE_I32 ? MO_32 : MO_64, val,
                            base, offset);
}

static void tcg_out_arithi(TCGContext *s, int ext, TCGType type, int r,
                           int64_t val)
{
    if (type == TCG_TYPE_I32) {
        val = (int32_t)val;     /* I32 constants are stored zero-extended */
    }
    if (val == (int8_t)val) {
        tcg_out_modrm(s, OPC_ARITH_EvIb | rexw(type), ext, r);
        tcg_out8(s, (uint8_t)val);
    } else {
        tcg_out_modrm(s, OPC_ARITH_EvIz | rexw(type), ext, r);
        tcg_out32(s, (uint32_t)val);
    }
}

static void tcg_out_arith(TCGContext *s, int ext, TCGType type, int r,
                          int64_t b, bool b_const)
{
    if (b_const) {
        tcg_out_arithi(s, ext, type, r, b);
    } else {
        tcg_out_modrm(s, (OPC_ARITH_GvEv + (ext << 3)) | rexw(type), r,
                      (int)b);
    }
}

void tcg_out_nop(TCGContext *s)
{
    tcg_out8(s, 0x90);
}

/* A rel32 to an absolute RX address, resolved when the block is placed. */
static void tcg_out_ext_rel32(TCGContext *s, const void *target)
{
    TCGExtReloc r = { .offset = s->code_size, .target = (uintptr_t)target };

    g_array_append_val(s->ext_relocs, r);
    tcg_out32(s, 0);
}

static bool reachable_rel32(const void *target)
{
    uintptr_t start, end, t = (uintptr_t)target;
    const intptr_t lim = INT32_MAX - 64 * MiB;

    tcg_code_buffer_range(&start, &end);
    return (intptr_t)(t - start) > -lim && (intptr_t)(t - start) < lim &&
           (intptr_t)(t - end) > -lim && (intptr_t)(t - end) < lim;
}

void tcg_out_call(TCGContext *s, const void *func)
{
    if (reachable_rel32(func)) {
        tcg_out8(s, OPC_CALL_Jz);
        tcg_out_ext_rel32(s, func);
    } else {
        /* rax is never an argument register */
        tcg_out_movi_noflags(s, TCG_TYPE_I64, TCG_REG_RAX, (intptr_t)func);
        tcg_out_modrm(s, OPC_GRP5, EXT5_CALLN_Ev, TCG_REG_RAX);
    }
}

static void tcg_out_jmp_ext(TCGContext *s, const void *target)
{
    tcg_out8(s, OPC_JMP_long);
    tcg_out_ext_rel32(s, target);
}

void tcg_out_label_ref(TCGContext *s, TCGLabel *l)
{
    if (l->has_value) {
        tcg_out32(s, l->value - (s->code_size + 4));
    } else {
        uint32_t off = s->code_size;

        g_array_append_val(l->relocs, off);
        tcg_out32(s, 0);
    }
}

static void tcg_out_jcc(TCGContext *s, TCGCond cond, TCGLabel *l)
{
    tcg_out_opc(s, OPC_JCC_long + tcg_cond_to_jcc[cond], 0, 0, 0);
    tcg_out_label_ref(s, l);
}

static void tcg_out_cmp(TCGContext *s, TCGType type, int a, int64_t b,
                        bool b_const)
{
    if (b_const && b == 0) {
        /* same flags as cmp a, 0 for every condition: CF = OF = 0 */
        tcg_out_modrm(s, OPC_TESTL | rexw(type), a, a);
    } else {
        tcg_out_arith(s, ARITH_CMP, type, a, b, b_const);
    }
}

/* ---- Constraints -------------------------------------------------------- */

#define D(...) { .args_ct = { __VA_ARGS__ } }
static const TCGTargetOpDef def_r_r = D("r", "r");
static const TCGTargetOpDef def_r_0 = D("r", "0");
static const TCGTargetOpDef def_r_r_re = D("r", "r", "re");
static const TCGTargetOpDef def_r_0_re = D("r", "0", "re");
static const TCGTargetOpDef def_r_0_ci = D("r", "0", "ci");
static const TCGTargetOpDef def_ri_r = D("ri", "r");
static const TCGTargetOpDef def_re_r = D("re", "r");
static const TCGTargetOpDef def_andc = { .args_ct = { "r", "0", "r" },
                                         .nb_scratch = 1 };
static const TCGTargetOpDef def_cz = D("&r", "r", "r");
static const TCGTargetOpDef def_ctpop_sw = { .args_ct = { "&r", "r" },
                                             .nb_scratch = 2 };
static const TCGTargetOpDef def_movcond = D("r", "r", "re", "r", "0");
static const TCGTargetOpDef def_mul2 = D("a", "d", "0", "r");
static const TCGTargetOpDef def_brcond = D("r", "re");
static const TCGTargetOpDef def_qemu = { .args_ct = { "r", "r" },
                                         .nb_scratch = 2 };
static const TCGTargetOpDef def_goto_ptr = D("r");
static const TCGTargetOpDef def_none = D(NULL);
#undef D

const TCGTargetOpDef *tcg_target_op_def(TCGOpcode opc, TCGType type)
{
    (void)type;     /* the same constraints serve I32 and I64 */
    switch (opc) {
    case INDEX_op_ld8u: case INDEX_op_ld8s: case INDEX_op_ld16u:
    case INDEX_op_ld16s: case INDEX_op_ld32u: case INDEX_op_ld32s:
    case INDEX_op_ld:
    case INDEX_op_ext8s: case INDEX_op_ext8u: case INDEX_op_ext16s:
    case INDEX_op_ext16u: case INDEX_op_ext32s: case INDEX_op_ext32u:
    case INDEX_op_extrl_i64_i32: case INDEX_op_extu_i32_i64:
    case INDEX_op_ext_i32_i64:
        return &def_r_r;
    case INDEX_op_ctpop:
        return have_popcnt ? &def_r_r : &def_ctpop_sw;
    case INDEX_op_st8: case INDEX_op_st16: case INDEX_op_st32:
        return &def_ri_r;
    case INDEX_op_st:
        return &def_re_r;
    case INDEX_op_add:
    case INDEX_op_setcond:
        return &def_r_r_re;
    case INDEX_op_sub: case INDEX_op_mul: case INDEX_op_and:
    case INDEX_op_or: case INDEX_op_xor:
        return &def_r_0_re;
    case INDEX_op_andc:
        return &def_andc;
    case INDEX_op_shl: case INDEX_op_shr: case INDEX_op_sar:
    case INDEX_op_rotl: case INDEX_op_rotr:
        return &def_r_0_ci;
    case INDEX_op_not: case INDEX_op_neg:
    case INDEX_op_bswap16: case INDEX_op_bswap32: case INDEX_op_bswap64:
        return &def_r_0;
    case INDEX_op_clz: case INDEX_op_ctz:
        return &def_cz;
    case INDEX_op_movcond:
        return &def_movcond;
    case INDEX_op_mulu2: case INDEX_op_muls2:
        return &def_mul2;
    case INDEX_op_brcond:
        return &def_brcond;
    case INDEX_op_qemu_ld: case INDEX_op_qemu_st:
        return &def_qemu;
    case INDEX_op_goto_ptr:
        return &def_goto_ptr;
    default:
        return &def_none;
    }
}

bool tcg_target_const_fits(TCGType type, int64_t val, char ct)
{
    switch (ct) {
    case 'i':
        return true;
    case 'e':
        return type == TCG_TYPE_I32 || val == (int32_t)val;
    default:
        return false;
    }
}

/* ---- Softmmu fast path -------------------------------------------------- */

/*
 * The TLB check (tcg/tb.h) for an access of 1 << (memop & MO_SIZE) bytes
 * at @addr; leaves the host address base in @s1 (host = s1 + addr) and
 * records the slow path, whose jne this emits.
 *
 *   mov   s1, addr
 *   shr   s1, 12 - 5                  ; entry offset = page index * 32
 *   and   s1d, (TLB_SIZE - 1) << 5
 *   add   s1, [env + tlb_table[mmu_idx]]
 *   lea   s0, [addr + size - 1]       ; last byte: catches page crossing
 *   and   s0, TARGET_PAGE_MASK        ; (| size - 1 for MO_ALIGN)
 *   cmp   s0, [s1 + addr_read/write]  ; flag bits never match
 *   jne   slow
 *   mov   s1, [s1 + addend]
 */
static void tlb_check(TCGContext *s, bool is_ld, int addr, int s0, int s1,
                      unsigned memop_idx, TCGLdstSlow *ls)
{
    unsigned size_log = memop_idx & MO_SIZE;
    unsigned size = 1u << size_log;
    int mmu_idx = memop_idx >> 8;
    int cmp_off = is_ld ? offsetof(TLBEntry, addr_read)
                        : offsetof(TLBEntry, addr_write);

    G_STATIC_ASSERT(sizeof(TLBEntry) == 32);
    tcg_out_mov(s, TCG_TYPE_I64, s1, addr);
    tcg_out_modrm(s, OPC_SHIFT_Ib | P_REXW, SHIFT_SHR, s1);
    tcg_out8(s, TARGET_PAGE_BITS - 5);
    tcg_out_arithi(s, ARITH_AND, TCG_TYPE_I32, s1, (TLB_SIZE - 1) << 5);
    tcg_out_modrm_offset(s, (OPC_ARITH_GvEv + (ARITH_ADD << 3)) | P_REXW, s1,
                         TCG_AREG0,
                         offsetof(X86CPU, tlb_table) + mmu_idx * 8);
    if ((memop_idx & MO_ALIGN) && size > 1) {
        tcg_out_mov(s, TCG_TYPE_I64, s0, addr);
        tcg_out_arithi(s, ARITH_AND, TCG_TYPE_I64, s0,
                       (int64_t)(TARGET_PAGE_MASK | (size - 1)));
    } else {
        if (size > 1) {
            tcg_out_modrm_offset(s, OPC_LEA | P_REXW, s0, addr, size - 1);
        } else {
            tcg_out_mov(s, TCG_TYPE_I64, s0, addr);
        }
        tcg_out_arithi(s, ARITH_AND, TCG_TYPE_I64, s0,
                       (int64_t)TARGET_PAGE_MASK);
    }
    tcg_out_modrm_offset(s, (OPC_ARITH_GvEv + (ARITH_CMP << 3)) | P_REXW, s0,
                         s1, cmp_off);
    tcg_out_opc(s, OPC_JCC_long + tcg_cond_to_jcc[TCG_COND_NE], 0, 0, 0);
    ls->jcc_offset = s->code_size;
    tcg_out32(s, 0);
    tcg_out_modrm_offset(s, OPC_MOVL_GvEv | P_REXW, s1, s1,
                         offsetof(TLBEntry, addend));
}

/* Load @size_log bytes at [base + index] (or a register move when @base
 * is -1) with the extension @memop asks for. */
static void tcg_out_ld_ext(TCGContext *s, TCGType type, unsigned memop,
                           int data, int base, int index)
{
    bool sign = memop & MO_SIGN;
    int opc;

    switch (memop & MO_SIZE) {
    case MO_8:
        opc = sign ? OPC_MOVSBL | rexw(type) : OPC_MOVZBL;
        break;
    case MO_16:
        opc = sign ? OPC_MOVSWL | rexw(type) : OPC_MOVZWL;
        break;
    case MO_32:
        opc = sign && type == TCG_TYPE_I64 ? OPC_MOVSLQ : OPC_MOVL_GvEv;
        break;
    default:
        opc = OPC_MOVL_GvEv | rexw(type);
        break;
    }
    if (base < 0) {
        tcg_out_modrm(s, opc | P_REXB_RM, data, index);
    } else {
        tcg_out_modrm_sib(s, opc, data, base, index, 0, 0);
    }
}

static void tcg_out_qemu_ld(TCGContext *s, TCGType type, int data, int addr,
                            unsigned memop_idx, const int *scratch)
{
    TCGLdstSlow ls = { .is_ld = true, .type = type,
                       .memop_idx = memop_idx, .addr_reg = addr,
                       .data_reg = data };

    tlb_check(s, true, addr, scratch[0], scratch[1], memop_idx, &ls);
    tcg_out_ld_ext(s, type, memop_idx & 0xff, data, scratch[1], addr);
    ls.ret_offset = s->code_size;
    ls.save_regs = s->cur_ldst_live & ~TCG_REGSET(data);
    g_array_append_val(s->ldst, ls);
}

static void tcg_out_qemu_st(TCGContext *s, TCGType type, int data, int addr,
                            unsigned memop_idx, const int *scratch)
{
    TCGLdstSlow ls = { .is_ld = false, .type = type,
                       .memop_idx = memop_idx, .addr_reg = addr,
                       .data_reg = data };
    int base = scratch[1];

    tlb_check(s, false, addr, scratch[0], base, memop_idx, &ls);
    switch (memop_idx & MO_SIZE) {
    case MO_8:
        tcg_out_modrm_sib(s, OPC_MOVB_EvGv | P_REXB_R, data, base, addr, 0, 0);
        break;
    case MO_16:
        tcg_out_modrm_sib(s, OPC_MOVL_EvGv | P_DATA16, data, base, addr, 0, 0);
        break;
    case MO_32:
        tcg_out_modrm_sib(s, OPC_MOVL_EvGv, data, base, addr, 0, 0);
        break;
    default:
        tcg_out_modrm_sib(s, OPC_MOVL_EvGv | P_REXW, data, base, addr, 0, 0);
        break;
    }
    ls.ret_offset = s->code_size;
    ls.save_regs = s->cur_ldst_live;
    g_array_append_val(s->ldst, ls);
}

/*
 * Slow paths, out of line after the block.  They preserve every live
 * call-clobbered register (the allocator keeps values in them across the
 * access: misses are rare, loads and stores are not), pass an address
 * inside the fast path's access instruction as the helper's return
 * address so that cpu_loop_exit_restore finds the guest instruction, and
 * jump back.
 */
static void tcg_out_ldst_slow(TCGContext *s, const TCGLdstSlow *ls)
{
    int ra_reg = ls->is_ld ? TCG_REG_RCX : TCG_REG_R8;
    int a = ls->addr_reg, d = ls->data_reg;
    uint32_t here = s->code_size;
    const void *func;

    tcg_patch32(s, ls->jcc_offset, here - (ls->jcc_offset + 4));
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        if (ls->save_regs & TCG_REGSET(r)) {
            tcg_out_st(s, TCG_TYPE_I64, r, TCG_REG_RSP, r * 8);
        }
    }
    /* rsi = addr, rdx = data (stores), in whichever order is safe */
    if (!ls->is_ld && a == TCG_REG_RDX && d == TCG_REG_RSI) {
        tcg_out_modrm(s, OPC_XCHG | P_REXW, TCG_REG_RSI, TCG_REG_RDX);
    } else if (!ls->is_ld && d == TCG_REG_RSI) {
        tcg_out_mov(s, TCG_TYPE_I64, TCG_REG_RDX, d);
        tcg_out_mov(s, TCG_TYPE_I64, TCG_REG_RSI, a);
    } else {
        tcg_out_mov(s, TCG_TYPE_I64, TCG_REG_RSI, a);
        if (!ls->is_ld) {
            tcg_out_mov(s, TCG_TYPE_I64, TCG_REG_RDX, d);
        }
    }
    tcg_out_movi_noflags(s, TCG_TYPE_I32,
                         ls->is_ld ? TCG_REG_RDX : TCG_REG_RCX,
                         ls->memop_idx);
    tcg_out_mov(s, TCG_TYPE_I64, TCG_REG_RDI, TCG_AREG0);
    /* lea ra_reg, [rip + disp32]: the last byte of the fast path's
     * access instruction, strictly inside the guest insn's host code
     * whatever the end of the insn, so no padding is needed */
    tcg_out_opc(s, OPC_LEA | P_REXW, ra_reg, 0, 0);
    tcg_out8(s, 0x05 | ((ra_reg & 7) << 3));
    tcg_out32(s, ls->ret_offset - 1 - (s->code_size + 4));
    func = ls->is_ld ? (const void *)helper_ld_mmu
                     : (const void *)helper_st_mmu;
    tcg_out_call(s, func ? func : (const void *)softmmu_missing);
    if (ls->is_ld) {
        tcg_out_ld_ext(s, ls->type, ls->memop_idx & 0xff, d, -1,
                       TCG_REG_RAX);
    }
    for (int r = 0; r < TCG_TARGET_NB_REGS; r++) {
        if (ls->save_regs & TCG_REGSET(r)) {
            tcg_out_ld(s, TCG_TYPE_I64, r, TCG_REG_RSP, r * 8);
        }
    }
    tcg_out8(s, OPC_JMP_long);
    tcg_out32(s, ls->ret_offset - (s->code_size + 4));
}

void tcg_out_ldst_finalize(TCGContext *s)
{
    for (guint i = 0; i < s->ldst->len; i++) {
        tcg_out_ldst_slow(s, &g_array_index(s->ldst, TCGLdstSlow, i));
    }
}

/* ---- Ops ---------------------------------------------------------------- */

static void tcg_out_shift(TCGContext *s, int ext, TCGType type, int r,
                          int64_t count, bool is_const)
{
    if (!is_const) {
        tcg_out_modrm(s, OPC_SHIFT_cl | rexw(type), ext, r);
        return;
    }
    count &= type == TCG_TYPE_I32 ? 31 : 63;
    if (count == 0) {
        return;
    } else if (count == 1) {
        tcg_out_modrm(s, OPC_SHIFT_1 | rexw(type), ext, r);
    } else {
        tcg_out_modrm(s, OPC_SHIFT_Ib | rexw(type), ext, r);
        tcg_out8(s, (uint8_t)count);
    }
}

static void tcg_out_add(TCGContext *s, TCGType type, int ret, int a,
                        int64_t b, bool b_const)
{
    if (b_const) {
        if (ret == a) {
            if (b) {
                tcg_out_arithi(s, ARITH_ADD, type, ret, b);
            }
        } else {
            tcg_out_modrm_offset(s, OPC_LEA | rexw(type), ret, a,
                                 type == TCG_TYPE_I32 ? (int32_t)b : b);
        }
    } else if (ret == a) {
        tcg_out_arith(s, ARITH_ADD, type, ret, b, false);
    } else if (ret == b) {
        tcg_out_arith(s, ARITH_ADD, type, ret, a, false);
    } else {
        tcg_out_modrm_sib(s, OPC_LEA | rexw(type), ret, a, (int)b, 0, 0);
    }
}

static void tcg_out_ctpop_sw(TCGContext *s, TCGType type, int ret, int a,
                             const int *scratch)
{
    /* ret = 0; x = a; while (x) { x &= x - 1; ret++; } */
    int x = scratch[0], t = scratch[1];
    uint32_t loop, jz;

    tcg_out_mov(s, type, x, a);
    tcg_out_movi(s, TCG_TYPE_I32, ret, 0);
    loop = s->code_size;
    tcg_out_modrm(s, OPC_TESTL | rexw(type), x, x);
    tcg_out8(s, 0x74);                  /* jz rel8 */
    jz = s->code_size;
    tcg_out8(s, 0);
    tcg_out_modrm_offset(s, OPC_LEA | rexw(type), t, x, -1);
    tcg_out_arith(s, ARITH_AND, type, x, t, false);
    tcg_out_arithi(s, ARITH_ADD, TCG_TYPE_I32, ret, 1);
    tcg_out8(s, 0xeb);                  /* jmp rel8 */
    tcg_out8(s, (uint8_t)(loop - (s->code_size + 1)));
    s->code[jz] = (uint8_t)(s->code_size - (jz + 1));
}

static void tcg_out_goto_tb(TCGContext *s, int slot)
{
    /* The rel32 must be 4-byte aligned so that tb_set_jmp_target can
     * rewrite it with one atomic store while other vCPUs execute it. */
    while ((s->code_size + 1) & 3) {
        tcg_out_nop(s);
    }
    tcg_out8(s, OPC_JMP_long);
    s->tb->jmp_insn_offset[slot] = s->code_size;
    tcg_out32(s, 0);
    s->tb->jmp_reset_offset[slot] = s->code_size;
}

void tcg_out_op(TCGContext *s, TCGOpcode opc, TCGType type,
                const int64_t *args, const bool *ca, const int *scratch)
{
    int a0 = (int)args[0], a1 = (int)args[1];
    int w = rexw(type);

    switch (opc) {
    case INDEX_op_ld8u:
        tcg_out_modrm_offset(s, OPC_MOVZBL, a0, a1, args[2]);
        break;
    case INDEX_op_ld8s:
        tcg_out_modrm_offset(s, OPC_MOVSBL | w, a0, a1, args[2]);
        break;
    case INDEX_op_ld16u:
        tcg_out_modrm_offset(s, OPC_MOVZWL, a0, a1, args[2]);
        break;
    case INDEX_op_ld16s:
        tcg_out_modrm_offset(s, OPC_MOVSWL | w, a0, a1, args[2]);
        break;
    case INDEX_op_ld32u:
        tcg_out_modrm_offset(s, OPC_MOVL_GvEv, a0, a1, args[2]);
        break;
    case INDEX_op_ld32s:
        tcg_out_modrm_offset(s, type == TCG_TYPE_I64 ? OPC_MOVSLQ
                                                     : OPC_MOVL_GvEv,
                             a0, a1, args[2]);
        break;
    case INDEX_op_ld:
        tcg_out_ld(s, type, a0, a1, args[2]);
        break;
    case INDEX_op_st8:
    case INDEX_op_st16:
    case INDEX_op_st32:
    case INDEX_op_st: {
        int size = opc == INDEX_op_st8 ? MO_8 : opc == INDEX_op_st16 ? MO_16
                 : opc == INDEX_op_st32 || type == TCG_TYPE_I32 ? MO_32
                 : MO_64;
        static const int st_opc[] = {
            OPC_MOVB_EvGv | P_REXB_R, OPC_MOVL_EvGv | P_DATA16,
            OPC_MOVL_EvGv, OPC_MOVL_EvGv | P_REXW,
        };

        if (ca[0]) {
            bool ok = tcg_out_sti_size(s, size, args[0], a1, args[2]);

            g_assert(ok);
        } else {
            tcg_out_modrm_offset(s, st_opc[size], a0, a1, args[2]);
        }
        break;
    }
    case INDEX_op_add:
        tcg_out_add(s, type, a0, a1, args[2], ca[2]);
        break;
    case INDEX_op_sub:
        tcg_out_arith(s, ARITH_SUB, type, a0, args[2], ca[2]);
        break;
    case INDEX_op_and:
        tcg_out_arith(s, ARITH_AND, type, a0, args[2], ca[2]);
        break;
    case INDEX_op_or:
        tcg_out_arith(s, ARITH_OR, type, a0, args[2], ca[2]);
        break;
    case INDEX_op_xor:
        tcg_out_arith(s, ARITH_XOR, type, a0, args[2], ca[2]);
        break;
    case INDEX_op_andc:
        tcg_out_mov(s, type, scratch[0], (int)args[2]);
        tcg_out_modrm(s, OPC_GRP3_Ev | w, EXT3_NOT, scratch[0]);
        tcg_out_arith(s, ARITH_AND, type, a0, scratch[0], false);
        break;
    case INDEX_op_mul:
        if (ca[2]) {
            int64_t v = type == TCG_TYPE_I32 ? (int32_t)args[2] : args[2];

            if (v == (int8_t)v) {
                tcg_out_modrm(s, OPC_IMUL_GvEvIb | w, a0, a0);
                tcg_out8(s, (uint8_t)v);
            } else {
                tcg_out_modrm(s, OPC_IMUL_GvEvIz | w, a0, a0);
                tcg_out32(s, (uint32_t)args[2]);
            }
        } else {
            tcg_out_modrm(s, OPC_IMUL_GvEv | w, a0, (int)args[2]);
        }
        break;
    case INDEX_op_shl:
        tcg_out_shift(s, SHIFT_SHL, type, a0, args[2], ca[2]);
        break;
    case INDEX_op_shr:
        tcg_out_shift(s, SHIFT_SHR, type, a0, args[2], ca[2]);
        break;
    case INDEX_op_sar:
        tcg_out_shift(s, SHIFT_SAR, type, a0, args[2], ca[2]);
        break;
    case INDEX_op_rotl:
        tcg_out_shift(s, SHIFT_ROL, type, a0, args[2], ca[2]);
        break;
    case INDEX_op_rotr:
        tcg_out_shift(s, SHIFT_ROR, type, a0, args[2], ca[2]);
        break;
    case INDEX_op_not:
        tcg_out_modrm(s, OPC_GRP3_Ev | w, EXT3_NOT, a0);
        break;
    case INDEX_op_neg:
        tcg_out_modrm(s, OPC_GRP3_Ev | w, EXT3_NEG, a0);
        break;
    case INDEX_op_ext8s:
        tcg_out_modrm(s, OPC_MOVSBL | P_REXB_RM | w, a0, a1);
        break;
    case INDEX_op_ext8u:
        tcg_out_modrm(s, OPC_MOVZBL | P_REXB_RM, a0, a1);
        break;
    case INDEX_op_ext16s:
        tcg_out_modrm(s, OPC_MOVSWL | w, a0, a1);
        break;
    case INDEX_op_ext16u:
        tcg_out_modrm(s, OPC_MOVZWL, a0, a1);
        break;
    case INDEX_op_ext32s:
    case INDEX_op_ext_i32_i64:
        tcg_out_modrm(s, OPC_MOVSLQ, a0, a1);
        break;
    case INDEX_op_ext32u:
    case INDEX_op_extrl_i64_i32:
    case INDEX_op_extu_i32_i64:
        /* a 32-bit mov zero-extends, even onto itself */
        tcg_out_modrm(s, OPC_MOVL_GvEv, a0, a1);
        break;
    case INDEX_op_bswap16:
        tcg_out_modrm(s, OPC_SHIFT_Ib | P_DATA16, SHIFT_ROL, a0);
        tcg_out8(s, 8);
        tcg_out_modrm(s, OPC_MOVZWL, a0, a0);
        break;
    case INDEX_op_bswap32:
        tcg_out_opc(s, OPC_BSWAP + (a0 & 7), 0, a0, 0);
        break;
    case INDEX_op_bswap64:
        tcg_out_opc(s, (OPC_BSWAP + (a0 & 7)) | P_REXW, 0, a0, 0);
        break;
    case INDEX_op_clz:
        /* bsr gives the index of the top set bit; clz = index ^ (w-1) */
        tcg_out_modrm(s, OPC_BSR | w, a0, a1);
        tcg_out_arithi(s, ARITH_XOR, type, a0,
                       type == TCG_TYPE_I32 ? 31 : 63);
        tcg_out_modrm(s, OPC_TESTL | w, a1, a1);
        tcg_out_modrm(s, (OPC_CMOVCC + tcg_cond_to_jcc[TCG_COND_EQ]) | w,
                      a0, (int)args[2]);
        break;
    case INDEX_op_ctz:
        tcg_out_modrm(s, OPC_BSF | w, a0, a1);
        tcg_out_modrm(s, (OPC_CMOVCC + tcg_cond_to_jcc[TCG_COND_EQ]) | w,
                      a0, (int)args[2]);
        break;
    case INDEX_op_ctpop:
        if (have_popcnt) {
            tcg_out_modrm(s, OPC_POPCNT | w, a0, a1);
        } else {
            tcg_out_ctpop_sw(s, type, a0, a1, scratch);
        }
        break;
    case INDEX_op_setcond: {
        TCGCond c = (TCGCond)args[3];

        if (c == TCG_COND_ALWAYS || c == TCG_COND_NEVER) {
            tcg_out_movi_noflags(s, TCG_TYPE_I32, a0, c == TCG_COND_ALWAYS);
            break;
        }
        tcg_out_cmp(s, type, a1, args[2], ca[2]);
        tcg_out_modrm(s, OPC_SETCC + tcg_cond_to_jcc[c], 0, a0);
        tcg_out_modrm(s, OPC_MOVZBL | P_REXB_RM, a0, a0);
        break;
    }
    case INDEX_op_movcond: {
        TCGCond c = (TCGCond)args[5];

        if (c == TCG_COND_ALWAYS) {
            tcg_out_mov(s, type, a0, (int)args[3]);
        } else if (c != TCG_COND_NEVER) {
            tcg_out_cmp(s, type, a1, args[2], ca[2]);
            tcg_out_modrm(s, (OPC_CMOVCC + tcg_cond_to_jcc[c]) | w, a0,
                          (int)args[3]);
        }
        break;
    }
    case INDEX_op_mulu2:
        tcg_out_modrm(s, OPC_GRP3_Ev | w, EXT3_MUL, (int)args[3]);
        break;
    case INDEX_op_muls2:
        tcg_out_modrm(s, OPC_GRP3_Ev | w, EXT3_IMUL, (int)args[3]);
        break;
    case INDEX_op_brcond: {
        TCGCond c = (TCGCond)args[2];
        TCGLabel *l = (TCGLabel *)(uintptr_t)args[3];

        if (c == TCG_COND_ALWAYS) {
            tcg_out8(s, OPC_JMP_long);
            tcg_out_label_ref(s, l);
        } else if (c != TCG_COND_NEVER) {
            tcg_out_cmp(s, type, a0, args[1], ca[1]);
            tcg_out_jcc(s, c, l);
        }
        break;
    }
    case INDEX_op_br:
        tcg_out8(s, OPC_JMP_long);
        tcg_out_label_ref(s, (TCGLabel *)(uintptr_t)args[0]);
        break;
    case INDEX_op_qemu_ld:
        tcg_out_qemu_ld(s, type, a0, a1, (unsigned)args[2], scratch);
        break;
    case INDEX_op_qemu_st:
        tcg_out_qemu_st(s, type, a0, a1, (unsigned)args[2], scratch);
        break;
    case INDEX_op_goto_tb:
        tcg_out_goto_tb(s, (int)args[0]);
        break;
    case INDEX_op_exit_tb:
        if (args[0] == 0) {
            tcg_out_jmp_ext(s, tb_ret0_addr);
        } else {
            tcg_out_movi_noflags(s, TCG_TYPE_I64, TCG_REG_RAX, args[0]);
            tcg_out_jmp_ext(s, tb_ret_addr);
        }
        break;
    case INDEX_op_goto_ptr:
        /* 0 means "no block": leave through the epilogue */
        tcg_out_modrm(s, OPC_TESTL | P_REXW, a0, a0);
        tcg_out_opc(s, OPC_JCC_long + tcg_cond_to_jcc[TCG_COND_EQ], 0, 0, 0);
        tcg_out_ext_rel32(s, tb_ret0_addr);
        tcg_out_modrm(s, OPC_GRP5, EXT5_JMPN_Ev, a0);
        break;
    case INDEX_op_mb:
        /* x86 only reorders a later load before an earlier store */
        if (args[0] & TCG_MO_ST_LD) {
            tcg_out8(s, 0x0f);
            tcg_out8(s, 0xae);
            tcg_out8(s, 0xf0);      /* mfence */
        }
        break;
    default:
        g_assert_not_reached();
    }
}

/* ---- Prologue, entry, chaining ------------------------------------------ */

static const int callee_saved[] = {
    TCG_REG_RBP, TCG_REG_RBX, TCG_REG_R12, TCG_REG_R13, TCG_REG_R14,
    TCG_REG_R15,
};

/*
 * uintptr_t prologue(X86CPU *env, const void *tc_ptr):
 *   push callee-saved; sub rsp, FRAME; rbp = env; jmp tc_ptr
 * ret0: xor eax, eax
 * ret:  add rsp, FRAME; pop callee-saved; ret
 * Return address + 6 pushes + FRAME keep rsp 16-byte aligned at every
 * call generated code makes.
 */
void tcg_target_prologue(TCGContext *s, uint32_t *ret0_off, uint32_t *ret_off)
{
    G_STATIC_ASSERT((8 + 8 * G_N_ELEMENTS(callee_saved) + TCG_FRAME_SIZE)
                    % 16 == 0);
    for (size_t i = 0; i < G_N_ELEMENTS(callee_saved); i++) {
        tcg_out_opc(s, OPC_PUSH_r32 + (callee_saved[i] & 7), 0,
                    callee_saved[i], 0);
    }
    tcg_out_arithi(s, ARITH_SUB, TCG_TYPE_I64, TCG_REG_RSP, TCG_FRAME_SIZE);
    tcg_out_mov(s, TCG_TYPE_I64, TCG_AREG0, TCG_REG_RDI);
    tcg_out_modrm(s, OPC_GRP5, EXT5_JMPN_Ev, TCG_REG_RSI);

    *ret0_off = s->code_size;
    tcg_out_movi(s, TCG_TYPE_I32, TCG_REG_RAX, 0);
    *ret_off = s->code_size;
    tcg_out_arithi(s, ARITH_ADD, TCG_TYPE_I64, TCG_REG_RSP, TCG_FRAME_SIZE);
    for (int i = G_N_ELEMENTS(callee_saved) - 1; i >= 0; i--) {
        tcg_out_opc(s, OPC_POP_r32 + (callee_saved[i] & 7), 0,
                    callee_saved[i], 0);
    }
    tcg_out8(s, OPC_RET);
}

void tcg_target_set_prologue(const void *prologue, const void *ret0,
                             const void *ret)
{
    tcg_prologue = (uintptr_t (*)(X86CPU *, const void *))prologue;
    tb_ret0_addr = ret0;
    tb_ret_addr = ret;
}

void tcg_target_init(void)
{
    unsigned a, b, c, d;

    if (__get_cpuid(1, &a, &b, &c, &d)) {
        have_popcnt = c & bit_POPCNT;
    }
}

uintptr_t tcg_tb_exec(X86CPU *cpu, const void *tc_ptr)
{
    return tcg_prologue(cpu, tc_ptr);
}

void tb_set_jmp_target(TranslationBlock *tb, int slot, uintptr_t addr)
{
    uintptr_t field = (uintptr_t)tb->tc_ptr + tb->jmp_insn_offset[slot];
    int32_t *rw = tcg_code_buffer_rw((void *)field);
    intptr_t disp = (intptr_t)addr - (intptr_t)(field + 4);

    g_assert(tb->jmp_insn_offset[slot] != UINT32_MAX);
    g_assert(disp == (int32_t)disp && (field & 3) == 0);
    /* one aligned 4-byte store: other vCPUs see the old or the new jump,
     * never a torn one (x86 cross-modifying code on an aligned field) */
    __atomic_store_n(rw, (int32_t)disp, __ATOMIC_RELEASE);
}
