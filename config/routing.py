"""WebSocket URL routes of every app, gathered in one list for asgi.py.

Apps add theirs here as they gain consumers (chat, notifications, Q&A live pages).
"""

websocket_urlpatterns: list = []
