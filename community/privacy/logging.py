"""Keep health details out of logs.

A group's address names it (`/groups/living-with-ms/`), so a logged path can tell which
condition someone has; an invitation address carries a token. This filter, on every log
handler, replaces those path parts before anything is written.
"""

import logging
import re

# Also percent-encoded (%2F for "/"), as inside a `?next=` query value.
SENSITIVE_PATH = re.compile(
    r"(/|%2F)(groups|invitations)(/|%2F)[^/\s\"'?#&%]+", flags=re.IGNORECASE
)


def redact(text: str) -> str:
    """Replace group slugs and invitation tokens in a text with an ellipsis."""
    return SENSITIVE_PATH.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}…", text)


class RedactSensitivePaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True
