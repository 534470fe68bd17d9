"""gunicorn's settings for `make serve`: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every value can be overridden on the command line or in GUNICORN_CMD_ARGS.
"""

import os

from config.logs import FORMATTERS, STDOUT_HANDLER

# Only the TLS-terminating proxy on this machine talks to gunicorn (README, "Deploying").
bind = f"127.0.0.1:{os.environ.get('PORT') or '8000'}"

# Synchronous workers: each takes a connection only when it is free and closes it after the
# response, so every request goes to the first free worker. Twice the cores this process may use,
# plus one, keeps the CPU busy while others wait on PostgreSQL; at most 12, since each worker holds
# one database connection.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(len(os.sched_getaffinity(0)) * 2 + 1, 12))
# The app is loaded once, before the workers are forked (config/wsgi.py warms it up): a new or
# recycled worker starts at once, with its templates compiled, instead of after a second or two of
# imports.
preload_app = True

# A request that takes longer than this is killed and its worker replaced; exports stream well
# within it. Workers are recycled now and then so that no slow leak can grow (a worker's memory
# stays flat over 10,000 requests: make bench).
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
