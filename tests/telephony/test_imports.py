"""The Twilio adapter depends on the cores and the call service, never on the web package."""

from __future__ import annotations

import subprocess
import sys


def test_telephony_imports_nothing_of_the_web_package() -> None:
    program = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'callcenter.web' or name.startswith('callcenter.web.'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import callcenter.telephony.webhooks, callcenter.telephony.media, callcenter.telephony.rest\n"
        "import callcenter.telephony.conference, callcenter.telephony.deps, callcenter.telephony.twiml\n"
        "import callcenter.telephony.callbacks, callcenter.telephony.forms\n"
        "assert not [m for m in sys.modules if m.startswith('callcenter.web')]\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
