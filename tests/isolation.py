"""Import modules in a fresh interpreter where some packages cannot be imported at all: how the
tests prove that a pure core or the dispatcher depends on no database, web or provider code."""

from __future__ import annotations

import subprocess
import sys


def imports_in_isolation(blocked: list[str], modules: list[str]) -> subprocess.CompletedProcess[str]:
    """Import ``modules`` where ``blocked`` packages raise ImportError; the run also fails if any
    blocked module ends up loaded another way."""
    program = (
        "import sys\n"
        f"BLOCKED = {blocked!r}\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if any(name == b or name.startswith(b + '.') for b in BLOCKED):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        + "".join(f"import {m}\n" for m in modules) +
        "leaked = [m for m in sys.modules if any(m == b or m.startswith(b + '.') for b in BLOCKED)]\n"
        "assert not leaked, leaked\n"
    )
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
