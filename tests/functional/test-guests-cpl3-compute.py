"""cpl3-compute: the integer workload at CPL3 must give the checksum the
same code gives as a Linux program (tests/guests/cpl3-compute-native)."""

import subprocess

ITERS = 2000


def expect(ctx):
    native = subprocess.run([ctx.extra['native'], str(ITERS)],
                            capture_output=True, text=True, check=True)
    checksum = native.stdout.strip()
    print(f'native: {checksum}')
    return {
        'args': ['-append', f'iters={ITERS}'],
        'serial': [
            f'cpl3-compute: {ITERS} iterations of 4096 steps over 1 MiB '
            'at CPL3',
            checksum,
            'PASS',
        ],
        'exit': 1,
    }
