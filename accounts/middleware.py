from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .access import passed_sign_in

# Paths a signed-in but not yet verified user may still reach.
OPEN_PREFIXES = (
    "/accounts/two-factor/",
    "/accounts/logout/",
    "/healthz",
    "/status",
    "/api/v2/",
    "/help-centre/",
    "/openreferral/",
)


class TwoFactorMiddleware:
    """Send staff who must use two-factor to verify (or set it up) before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and not request.path.startswith(settings.STATIC_URL)
            and not passed_sign_in(user)
        ):
            return redirect(f"{reverse('accounts:two_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
