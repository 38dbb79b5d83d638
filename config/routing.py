"""WebSocket URL routes of every app, gathered in one list for asgi.py."""

from community.chat.routing import websocket_urlpatterns as chat_routes
from community.notifications.routing import websocket_urlpatterns as notification_routes
from community.qa.routing import websocket_urlpatterns as qa_routes

websocket_urlpatterns: list = [*notification_routes, *chat_routes, *qa_routes]
