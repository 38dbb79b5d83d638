"""What every live page's socket shares (chat rooms, Q&A sessions): rights checked against
the database on every frame, and again before forwarding when the last look is old.

Close codes: 4401 not logged in (or logged out), 4403 not allowed here, 4451 documents to
accept first (consent), 4400 a frame that is not JSON.
"""

import time
from importlib import import_module

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model

from community.consent.state import has_accepted_required_documents
from config.outages import is_outage

NOT_LOGGED_IN, FORBIDDEN, CONSENT_NEEDED, BAD_FRAME = 4401, 4403, 4451, 4400
TRY_AGAIN_LATER = 1013  # the database or Redis failed a moment ago: reconnect and replay
RECHECK_SECONDS = 30
SESSION_STORE = import_module(settings.SESSION_ENGINE).SessionStore


class RightsCheckedConsumer(AsyncWebsocketConsumer):
    """A socket on one object (`watched`) that its user must keep `read_permission` on."""

    read_permission: str = ""
    watched = None
    user_id: int | None = None
    checked_at: float = 0.0

    def fresh_user(self):
        """The member as the database has them now: no membership or consent kept from
        earlier frames (they may have been muted, removed or logged out since); None once
        the login session has ended."""
        session_key = self.scope["session"].session_key
        if not session_key or not SESSION_STORE().exists(session_key):
            return None
        return get_user_model().objects.filter(pk=self.user_id, is_active=True).first()

    def refusal(self) -> int | None:
        """Why this socket may no longer read what it watches (a close code), or None."""
        self.checked_at = time.monotonic()
        user = self.fresh_user()
        if user is None:
            return NOT_LOGGED_IN
        if not has_accepted_required_documents(user):
            return CONSENT_NEEDED
        if not user.has_perm(self.read_permission, self.watched):
            return FORBIDDEN
        return None

    async def forward(self, text: str) -> None:
        """Send a broadcast on, unless the last look at the rights is too old and fails: a
        silent client sends no frames to be checked on."""
        if time.monotonic() - self.checked_at > RECHECK_SECONDS:
            refused = await self.checked(self.refusal)
            if refused is not None:
                await self.close(code=refused)
                return
        await self.send(text_data=text)

    async def checked(self, look, *args):
        """Run a look at the database in a worker thread; if the database (or its pool) is
        unavailable, close with 1013: the page reconnects and replays, and nothing is
        forwarded unchecked meanwhile."""
        try:
            return await database_sync_to_async(look)(*args)
        except Exception as error:
            if not is_outage(error):
                raise
            return TRY_AGAIN_LATER
