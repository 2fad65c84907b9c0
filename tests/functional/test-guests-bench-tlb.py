"""bench-tlb: the page-walk-heavy CPL3 loop of tools/bench-tcg.sh (one
read and write per 4 KiB page over 32 MiB mapped at 8 GiB) must give the
checksum the hardware gives (taken under -accel kvm, where CPL3 code and
its page walks run natively)."""

ITERS = 4


def expect(ctx):
    return {
        'args': ['-append', f'iters={ITERS}'],
        'serial': [
            f'bench-tlb: {ITERS} iterations over 8192 pages of 4 KiB at CPL3',
            'checksum: 0xc7f6b034e3404ff8',
            'PASS',
        ],
        'exit': 1,
    }
