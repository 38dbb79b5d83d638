"""`make bench`: the performance figures of issue 18, each as a ratio to a reference measured
in the same run on the same machine, with its goal beside it.

    python -m bench                     # everything, about 6-9 minutes on 2 cores
    python -m bench --quick             # fewer, shorter rounds (a smoke run)
    python -m bench --only http,chat    # parts: forum (in-process), http, chat

Modules:
- stack.py      a throwaway PostgreSQL database and Redis prefixes, servers started as
                scripts/web.sh starts them (process groups, always stopped), /proc CPU and RSS
- urls.py       the site's URLs plus /bench/bare/, the reference view (a tiny template)
- http.py       pages over HTTP: thread page and bare view, interleaved, req/s medians
- bare_room.py  the reference for the chat: the Channels tutorial room (no DB, no auth)
- chat.py       N sockets in one room on two server processes: latency, loss, order, CPU,
                memory, highest sustained rate, time until quiet
- clients.py    the WebSocket client processes of chat.py (stdlib + websockets only)
- table.py      the one table printed at the end

The in-process figures (bare view ms and queries, queries at 20 and 200 posts, writes per
GET) come from `manage.py bench_forum --json`, run against the throwaway database server.
Timing goals live here, never in tests (tests only check that a tiny run reports).
"""
