"""The chat's reference: the Channels tutorial room, served by the bench itself.

No database, no authentication, no origin check: an AsyncWebsocketConsumer that joins the
room's group on connect, sends every text it receives to the group, and forwards each
`chat.message` event (re-encoding JSON per recipient, as the tutorial does). It runs on the
project's channel layer (settings.CHANNEL_LAYERS: the pub/sub layer on Redis) with the
project's server flags:

    DJANGO_SETTINGS_MODULE=config.settings uvicorn bench.bare_room:application ...
"""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class RoomConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room_group_name = f"chat_{self.scope['url_route']['kwargs']['room_name']}"
        await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, close_code):
        await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        message = json.loads(text_data)["message"]
        await self.channel_layer.group_send(
            self.room_group_name, {"type": "chat.message", "message": message}
        )

    async def chat_message(self, event):
        await self.send(text_data=json.dumps({"message": event["message"]}))


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/chat/<str:room_name>/", RoomConsumer.as_asgi())])}
)
