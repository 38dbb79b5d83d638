"""The per-member WebSocket that keeps the bell's count live, while the member stays logged
in (accounts.sockets: it closes when they log out, change their password elsewhere, close
the account, or have documents to accept)."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from community.accounts.sockets import FORBIDDEN, NOT_LOGGED_IN, MemberSocket

from .services import unread_count, user_channel_group


class NotificationConsumer(MemberSocket, AsyncJsonWebsocketConsumer):
    """Only the signed-in member's own channel: any other user id is refused."""

    group_name: str | None = None

    async def connect(self):
        # Accept, then close with our own code: a refused handshake would reach the browser
        # as 1006, and its script would keep retrying.
        await self.accept()
        if not self.take_member():
            await self.close(code=NOT_LOGGED_IN)
            return
        if self.user_id != self.scope["url_route"]["kwargs"]["user_id"]:
            await self.close(code=FORBIDDEN)
            return
        await self.follow_rights()
        self.group_name = user_channel_group(self.user_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.send_unread(await database_sync_to_async(self.count)())

    async def disconnect(self, code):
        if self.group_name:
            await self.unfollow_rights()
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Ignore any frame that is not a JSON object: bad input must not break the socket."""
        try:
            content = json.loads(text_data) if text_data else None
        except ValueError:
            return
        if isinstance(content, dict):
            await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        """Clients may only ask for the current count again (once their rights are looked at)."""
        if content.get("type") != "refresh" or self.group_name is None:
            return
        refused = await self.checked(self.refusal)
        if refused is not None:
            await self.close(code=refused)
            return
        await self.send_unread(await database_sync_to_async(self.count)())

    def count(self) -> int:
        # Counted afresh: the socket is how an open page catches up on a lost push.
        return unread_count(self.scope["user"], recount=True)

    async def unread_count(self, event):
        await self.forward(json.dumps({"type": "unread", "count": event["count"]}))

    async def send_unread(self, count: int):
        await self.send_json({"type": "unread", "count": count})
