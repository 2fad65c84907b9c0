"""hello: long mode, the CPUID vendor (the host's under KVM), one CPL3 trip."""


def expect(ctx):
    return {
        'serial': [
            'Hello from janus guest',
            'mode: long mode, CPL0',
            f'cpuid vendor: {ctx.vendor}',
            'Hello from CPL3 (arg 41)',
            'back at CPL0, result 42',
            'PASS',
        ],
        'exit': 1,
    }
