"""gunicorn's settings for `make serve`: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every value can be overridden on the command line or in GUNICORN_CMD_ARGS.
"""

import os

from config.logs import FORMATTERS, STDOUT_HANDLER

# Only the TLS-terminating proxy on this machine talks to gunicorn (README, "Deploying").
bind = f"127.0.0.1:{os.environ.get('PORT') or '8000'}"

# gunicorn's threaded workers, which keep a client's connection open between its requests, take a
# new connection only when free, and end a request that runs past `timeout` (config/workers.py).
# Twice the cores this process may use, plus one, keeps the CPU busy while others wait on
# PostgreSQL; at most 12. One thread each: a worker runs one request at a time and holds at most
# one database connection.
worker_class = "config.workers.Worker"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(len(os.sched_getaffinity(0)) * 2 + 1, 12))
threads = 1
# The app is loaded once, before the workers are forked (config/wsgi.py warms it up): a new worker
# starts at once, with its templates compiled, instead of after a second or two of imports.
preload_app = True

# A request that takes longer than this ends its worker, which gunicorn replaces; exports stream
# well within it. Workers are recycled now and then so that no slow leak can grow. A kept-alive
# connection is closed after `keepalive` idle seconds.
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000

# gunicorn's control socket (for gunicornc) is not used here; without it, several instances on one
# machine do not compete for ~/.gunicorn/gunicorn.ctl.
control_socket_disable = True

# The proxy's X-Forwarded-Proto is trusted only from the proxy's own address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# One line per request on standard output: client, request, status, bytes, milliseconds, agent.
# The client is the proxy's X-Forwarded-For when there is one.
accesslog = "-"
errorlog = "-"
access_log_format = '"%({x-forwarded-for}i)s" %(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": FORMATTERS,
    "handlers": {"stdout": STDOUT_HANDLER},
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
}
