#!/usr/bin/env python3
"""What a terminal shows after the bytes on stdin: a minimal emulator of the
sequences berth's progress view writes (CR, LF, ESC[nA cursor up, ESC[2K
clear line, ESC[J / ESC[0J clear to the end of the screen, ESC[...m colours,
ignored) on a screen COLS wide (argument, default 80), whose lines wrap as a
real terminal's do. Prints the screen's lines, trailing blanks removed."""
import re
import sys

cols = int(sys.argv[1]) if len(sys.argv) > 1 else 80

data = sys.stdin.buffer.read().decode("utf-8", "replace")
lines = [""]
row = col = 0
i = 0
csi = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")
while i < len(data):
    m = csi.match(data, i)
    if m:
        arg, cmd = m.group(1), m.group(2)
        n = int(arg) if arg.isdigit() else 1
        if cmd == "A":
            row = max(0, row - n)
        elif cmd == "K":
            lines[row] = "" if arg == "2" else lines[row][:col]
        elif cmd == "J":
            lines[row] = lines[row][:col]
            del lines[row + 1:]
        i = m.end()
        continue
    ch = data[i]
    i += 1
    if ch == "\r":
        col = 0
    elif ch == "\n":
        row += 1
        col = 0
        while len(lines) <= row:
            lines.append("")
    elif ch >= " " or ch == "\t":
        if col >= cols:  # past the last column: the terminal wraps
            row += 1
            col = 0
            while len(lines) <= row:
                lines.append("")
        line = lines[row].ljust(col)
        lines[row] = line[:col] + ch + line[col + 1:]
        col += 1
while lines and not lines[-1].strip():
    lines.pop()
for l in lines:
    print(l.rstrip())
