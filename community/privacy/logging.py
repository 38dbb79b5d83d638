"""Keep health details out of logs.

A group's address names it (`/groups/living-with-ms/`), so a logged path can tell which
condition someone has; an invitation address carries a token. This filter, on every log
handler, replaces those path parts before anything is written.
"""

import logging
import re

SENSITIVE_PATH = re.compile(r"/(groups|invitations)/[^/\s\"'?#]+")


def redact(text: str) -> str:
    """Replace group slugs and invitation tokens in a text with an ellipsis."""
    return SENSITIVE_PATH.sub(lambda match: f"/{match.group(1)}/…", text)


class RedactSensitivePaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True
