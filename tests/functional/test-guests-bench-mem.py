"""bench-mem: the memory-heavy CPL3 loop of tools/bench-tcg.sh (1-8 byte
loads and stores over 256 KiB) must give the checksum the hardware gives
(taken under -accel kvm, where CPL3 code runs natively)."""

ITERS = 20


def expect(ctx):
    return {
        'args': ['-append', f'iters={ITERS}'],
        'serial': [
            f'bench-mem: {ITERS} iterations of 16384 steps over 256 KiB '
            'at CPL3',
            'checksum: 0x5ebc928eeeb5297d',
            'PASS',
        ],
        'exit': 1,
    }
