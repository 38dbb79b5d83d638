"""ASGI entry point: HTTP and WebSocket in one process.

WebSocket routes are collected from each app's `routing.websocket_urlpatterns`; every socket
passes the origin check (AllowedHostsOriginValidator) and session authentication
(accounts.sockets.SocketMemberMiddleware).
"""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# WhiteNoise streams static files with a sync iterator; under ASGI Django warns on every file.
# The file is still served correctly; behind a proxy in production static files bypass us.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from community.accounts.sockets import SocketMemberMiddleware  # noqa: E402
from community.consent.middleware import ConsentRequiredWebSocketMiddleware  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            SocketMemberMiddleware(
                ConsentRequiredWebSocketMiddleware(URLRouter(websocket_urlpatterns))
            )
        ),
    }
)
