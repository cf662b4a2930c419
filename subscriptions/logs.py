"""No log line carries the token of a subscriber's confirmation or unsubscribe link.

The token is the key to a subscription (it confirms it, and cancels it with no sign-in), and
staff read the logs: the request lines of the web server (gunicorn's access log, runserver's),
with their Referer header, and Django's "Not Found" and CSRF warnings all name the path.
"""

import logging
import re

# The paths in subscriptions/urls.py that end in a token, wherever they appear in a line (the
# request, the Referer, a full link starting with PUBLIC_BASE_URL).
TOKEN_IN_LINK = re.compile(r"(/status/(?:subscribe/confirm|unsubscribe)/)[^/\s\"'?#]+")
HIDDEN = r"\1[hidden]"

# The loggers that write a request's path. A filter on a logger sees each record once, before
# any handler (or the configuration's handlers, which replace gunicorn's) formats it.
LOGGERS = ("django.request", "django.security.csrf", "django.server", "gunicorn.access")


class HideSubscriberTokens(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        hidden = TOKEN_IN_LINK.sub(HIDDEN, message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


def hide_subscriber_tokens():
    """Put the filter on every logger that writes a request's path, once."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(each, HideSubscriberTokens) for each in logger.filters):
            logger.addFilter(HideSubscriberTokens())
