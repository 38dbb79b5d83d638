"""A Q&A session's WebSocket: it only listens. Every change is stored first; then the
session's sockets are told "changed", and each page fetches the new state over HTTP, where
the policy decides what that viewer sees. The same fetch is the replay after a reconnect.
The socket closes as soon as the member's rights change and no longer hold (live.py)."""

import json

from channels.db import database_sync_to_async

from community.chat.live import BAD_FRAME, FORBIDDEN, NOT_LOGGED_IN, RightsCheckedConsumer

from .models import QASession
from .services import session_group


class SessionConsumer(RightsCheckedConsumer):
    read_permission = "qa.read"

    async def connect(self):
        await self.accept()
        if not self.take_member():
            await self.close(code=NOT_LOGGED_IN)
            return
        self.watched = await database_sync_to_async(self.readable_session)()
        if self.watched is None:
            await self.close(code=FORBIDDEN)
            return
        await self.follow_rights()
        await self.channel_layer.group_add(session_group(self.watched.pk), self.channel_name)

    def readable_session(self) -> QASession | None:
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        session = QASession.objects.select_related("group").filter(pk=session_id).first()
        self.watched = session
        if session is None or self.refusal() is not None:
            return None
        return session

    async def disconnect(self, code):
        if self.watched is not None:
            await self.unfollow_rights()
            await self.channel_layer.group_discard(
                session_group(self.watched.pk), self.channel_name
            )

    async def receive(self, text_data=None, bytes_data=None):
        """Clients send only heartbeats; each one is a look at the member's rights."""
        try:
            frame = json.loads(text_data or "")
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            await self.close(code=BAD_FRAME)
            return
        refused = await database_sync_to_async(self.refusal)()
        if refused is not None:
            await self.close(code=refused)

    async def qa_changed(self, event):
        await self.forward(json.dumps({"type": "changed"}))
