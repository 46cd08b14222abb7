#!/usr/bin/env python3
"""A pseudo-terminal for the emulated serprog programmer (test/emu/pty-programmer.ts).

Opens a pty pair, puts it in raw mode, prints the terminal's path on the first line of stdout,
then relays bytes: pty -> stdout and stdin -> pty. The test's emulator sits on our stdio; the code
under test opens the printed path with serialport like a USB serial device. Killing this process
closes the pty, which is how a test unplugs the programmer. python3 is already required to build
the native addons, so this needs nothing extra installed (socat would).
"""
import os
import pty
import select
import sys
import tty

master, slave = pty.openpty()
tty.setraw(slave)
tty.setraw(master)
out = sys.stdout.fileno()
inp = sys.stdin.fileno()
os.write(out, (os.ttyname(slave) + "\n").encode())


def write_all(fd, data):
    while data:
        n = os.write(fd, data)
        data = data[n:]


while True:
    ready, _, _ = select.select([master, inp], [], [])
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if data:
            write_all(out, data)
    if inp in ready:
        data = os.read(inp, 65536)
        if not data:
            sys.exit(0)  # the test went away
        write_all(master, data)
