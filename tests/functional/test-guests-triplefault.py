"""triplefault: an empty IDT and #UD shut the CPU down. With -no-reboot
QEMU exits with status 0 and so does janus, which also reports the triple
fault and the registers on stderr. Nothing may follow the first line."""


def expect(ctx):
    exp = {
        'args': ['-no-reboot'],
        'serial': ['triplefault: loading an empty IDT and raising #UD'],
        'exit': 0,
        'timeout': 60,
    }
    if ctx.vmm == 'janus':
        exp['stderr'] = r'triple fault'
    return exp
