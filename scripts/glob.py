#!/usr/bin/env python3
"""glob.py DIR PATTERN...: prints the files under DIR matching any PATTERN (pathlib glob, ** allowed),
relative to DIR, sorted, one per line. Meson has no glob; meson.build uses this so that new test,
example, bench and header files are picked up without editing a list."""
import pathlib
import sys

root = pathlib.Path(sys.argv[1])
found = {p.relative_to(root).as_posix() for pat in sys.argv[2:] for p in root.glob(pat) if p.is_file()}
print("\n".join(sorted(found)))
