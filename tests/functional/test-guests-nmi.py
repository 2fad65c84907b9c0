"""nmi: an NMI sent while an NMI handler runs is held until its IRET,
then delivered at once; the next one after that is not held. Output
recorded from QEMU 7.2 TCG."""


def expect(ctx):
    return {
        'serial': [
            'after the first IPI: 2 NMIs, deepest nesting 1',
            'after the second IPI: 3 NMIs, deepest nesting 1',
            'PASS',
        ],
        'exit': 1,
    }
