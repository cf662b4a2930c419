from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


class RefuseNulMiddleware:
    """A NUL character in the address or a form is refused with a clear page, not a 500.

    PostgreSQL cannot store or compare text holding NUL, so `?q=%00` reached the database and
    failed there. No one types one; it comes from a mistaken paste or a probe.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or _has_nul(request.POST):
            return render(request, "400.html", status=400)
        return self.get_response(request)


def _has_nul(query_dict):
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in query_dict.lists()
    )


class NoStoreMiddleware:
    """Nothing the service sends is kept by the browser, unless the page says it is public (the
    status pages, the same for everyone, set their own caching). A record must not reopen from
    the cache of a shared PC after sign-out (the Back button, or the history)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "public" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


class MethodNotAllowedPageMiddleware:
    """A page opened by an address that only takes a form (POST) shows the app's own page.

    `require_POST` answers 405 with an empty body, which a browser shows as a blank "HTTP ERROR
    405": reached from the history, a bookmark, or a sign-in's `next` that was a form's address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and request.method == "GET" and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "POST")
            return page
        return response
