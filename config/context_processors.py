from django.conf import settings


def site(request):
    return {
        "ORGANISATION_NAME": settings.ORGANISATION_NAME,
        "SERVICE_NAME": settings.SERVICE_NAME,
        # django-htmx's {% htmx_script %} reads `csp_nonce` from the context.
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
