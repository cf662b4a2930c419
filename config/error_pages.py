"""The app's own 404 page in development too.

With DEBUG on, Django answers a 404 with its technical page, which lists every URL pattern. The
demo (`make run`) runs with DEBUG on, and its users should see what real users see: the app's
"Page not found". Tracebacks of real errors still reach the console, and 403 already uses the
app's page. Off outside DEBUG, where Django uses `handler404` itself.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404

from config.views import error_404

TECHNICAL_404_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


class AppErrorPagesMiddleware:
    def __init__(self, get_response):
        if not settings.DEBUG:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and TECHNICAL_404_MARK in response.content[:2000]:
            return error_404(request)  # a URL that matches no pattern
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return error_404(request, exception)
        return None
