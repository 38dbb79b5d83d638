"""The per-member WebSocket that keeps the bell's count live."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .services import unread_count, user_channel_group


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Only the signed-in member's own channel: any other user id is refused."""

    group_name: str | None = None

    async def connect(self):
        user = self.scope["user"]
        requested = self.scope["url_route"]["kwargs"]["user_id"]
        if not user.is_authenticated or user.pk != requested:
            # Accept, then close with our own code: a refused handshake would reach the
            # browser as 1006, and its script would keep retrying.
            await self.accept()
            await self.close(code=4403)
            return
        self.group_name = user_channel_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        await self.send_unread(await database_sync_to_async(unread_count)(user))

    async def disconnect(self, code):
        if self.group_name:
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
        """Clients may only ask for the current count again."""
        if content.get("type") == "refresh":
            user = self.scope["user"]
            await self.send_unread(await database_sync_to_async(unread_count)(user))

    async def unread_count(self, event):
        await self.send_unread(event["count"])

    async def send_unread(self, count: int):
        await self.send_json({"type": "unread", "count": count})
