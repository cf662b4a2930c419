"""The public help centre and the Open Referral UK feed: no sign-in (TwoFactorMiddleware leaves
/help-centre/ and /openreferral/ open)."""

from django.urls import path

from . import openreferral, public

app_name = "help_centre"

urlpatterns = [
    path("help-centre/", public.help_centre, name="home"),
    path("openreferral/", openreferral.endpoint, {"name": "root"}, name="oruk-root"),
    path("openreferral/services/<uuid:service_id>", openreferral.service, name="oruk-service"),
]
# The lists, each paged as ORUK pages them: /openreferral/services, /service_at_locations, ...
urlpatterns += [
    path(f"openreferral/{name}", openreferral.endpoint, {"name": name}, name=f"oruk-{name}")
    for name in openreferral.LISTS
]
