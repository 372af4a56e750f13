"""gunicorn's settings for this app, read automatically when gunicorn starts in the project folder.

``.venv/bin/gunicorn`` with no arguments serves ``app:create_server()`` with these; any command-line
flag still wins (``--bind 0.0.0.0:8050``).

``keepalive`` is the one that matters most. A kept-alive connection that the server closes at the
very moment the client sends its next request on it is reset, and the client sees an error rather
than a page. gunicorn's default of 2 seconds makes that race common on a busy two-core server (a
signed-in viewer who waits over two seconds between clicks reuses a connection the server is
closing); 75 seconds (nginx's own default) makes the server the last to give up on an idle
connection, so a client or a proxy in front closes first and cleanly.
"""

wsgi_app = "app:create_server()"
bind = "127.0.0.1:8050"
# Two processes so one busy request never holds up every viewer; threads serve the many short
# callbacks a page makes (DuckDB readers release the GIL while they query).
workers = 2
threads = 4
keepalive = 75
# A board pack of every measure renders for up to a minute on a small server.
timeout = 120


def post_worker_init(worker: object) -> None:
    """Each worker checks a tiny workbook as it starts, so the first real upload is not slow."""
    from loaders.ingest import warm_up

    warm_up()
