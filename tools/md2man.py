#!/usr/bin/env python3
"""md2man.py SRC.md NAME SECTION SUMMARY SOURCE: print a manual page (roff) made
from a Markdown document, so that berth.ini(5) is docs/project-format.md
itself, not a copy to keep in step by hand (meson.build runs this at build
time).

It reads the Markdown these docs are written in, no more: '#' headings (the
first one is the title), paragraphs, '*'/'-' and numbered lists with
indented continuation lines, ``` fences, '|' tables, and `code`, **bold**,
*emphasis* and [links](#anchor) inline. A paragraph starting "Contents:" (a
list of in-page links) is left out: a manual page has no anchors."""
import re
import sys


def inline(text):
    """Escape for roff and turn the inline Markdown into fonts."""
    out = []
    for i, part in enumerate(re.split(r"`([^`]*)`", text)):
        if i % 2:  # a code span: verbatim, bold
            out.append(r"\fB" + esc(part).replace("-", r"\-") + r"\fR")
            continue
        part = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", part)
        part = esc(part)
        part = re.sub(r"\*\*(.+?)\*\*", r"\\fB\1\\fR", part)
        part = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\\fI\1\\fR", part)
        # a dash starting an option (-C, --format) is a minus sign
        part = re.sub(r"(^|(?<=[\s(\[/|]))-", r"\\-", part)
        part = part.replace(r"\-\-", r"\-\-").replace(r"\--", r"\-\-")
        out.append(part)
    return "".join(out)


def esc(s):
    return s.replace("\\", r"\e")


def line(s):
    """One output line: roff reads a leading . or ' as a request."""
    return r"\&" + s if s[:1] in (".", "'") else s


def table(rows):
    """A table as a list: each row's first cell as the term, the other cells
    as "heading: cell" (a column without a heading: the cell alone). Read at
    any width, where a table's columns would wrap a word a line."""
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    head, body = cells[0], cells[2:]
    out = []
    for r in body:
        parts = []
        for h, c in zip(head[1:], r[1:]):
            if c:
                parts.append("%s: %s" % (h, c) if h else c)
        out += [".TP", line(inline(r[0])), line(inline("; ".join(parts)))]
    return out


def convert(src, name, section, summary, source):
    lines = open(src, encoding="utf-8").read().split("\n")
    out = [
        '.TH "%s" %s "" "%s" "berth manual"' % (name.upper(), section, source),
        ".SH NAME",
        r"%s \- %s" % (name.replace("-", r"\-"), summary),
        ".SH DESCRIPTION",
    ]
    i, n, titled = 0, len(lines), False
    while i < n:
        l = lines[i]
        if not l.strip():
            i += 1
        elif l.startswith("```"):
            j = i + 1
            block = []
            while j < n and not lines[j].startswith("```"):
                block.append(line(esc(lines[j])))
                j += 1
            out += [".PP", ".RS 4", ".nf"] + block + [".fi", ".RE"]
            i = j + 1
        elif l.startswith("#"):
            level = len(l) - len(l.lstrip("#"))
            text = l.lstrip("#").strip()
            if level == 1 and not titled:
                titled = True  # the title is the NAME line
            elif level <= 2:
                out.append('.SH "%s"' % inline(text).upper().replace(r"\FB", r"\fB").replace(r"\FR", r"\fR"))
            else:
                out.append('.SS "%s"' % inline(text))
            i += 1
        elif l.startswith("|"):
            j = i
            while j < n and lines[j].startswith("|"):
                j += 1
            out += table(lines[i:j])
            i = j
        else:
            m = re.match(r"^(\*|-|\d+\.) (.*)", l)
            j = i + 1
            text = [m.group(2) if m else l]
            # continuation: indented lines for a list item, any for a paragraph
            while j < n and lines[j].strip() and not lines[j].startswith(("```", "#", "|")) and \
                    not re.match(r"^(\*|-|\d+\.) ", lines[j]) and (not m or lines[j].startswith(" ")):
                text.append(lines[j].strip())
                j += 1
            joined = " ".join(t.strip() for t in text)
            if m:
                mark = r"\(bu" if m.group(1) in ("*", "-") else m.group(1)
                out += [".IP %s 4" % mark, line(inline(joined))]
            elif not joined.startswith("Contents:"):
                out += [".PP", line(inline(joined))]
            i = j
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit("usage: md2man.py SRC.md NAME SECTION SUMMARY SOURCE")
    sys.stdout.write(convert(*sys.argv[1:]))
