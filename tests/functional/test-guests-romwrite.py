"""romwrite: a write to the BIOS ROM at 0xffff0000 is ignored. Output
recorded from QEMU 7.2 TCG."""


def expect(ctx):
    return {
        'serial': [
            'romwrite: wrote the complement of the dword at 0xffff0000',
            'read back: unchanged',
            'PASS',
        ],
        'exit': 1,
    }
