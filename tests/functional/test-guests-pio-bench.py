"""pio-bench: a short run of the exit benchmark guest (200 port writes and
200 MMIO stores at CPL3); the tick counts vary, their shape does not."""

import re


def expect(ctx):
    return {
        'args': ['-append', 'pio=200 mmio=200'],
        'serial': [
            'pio-bench: pio=200 mmio=200 at CPL3',
            re.compile(r'bench pio: 200 exits, \d+ tsc ticks, \d+ per exit'),
            re.compile(r'bench mmio: 200 exits, \d+ tsc ticks, \d+ per exit'),
            'PASS',
        ],
        'exit': 1,
    }
