"""The service navigation: which sections each role sees. Apps add their sections here."""

from django.urls import reverse

OFFICER, INCOME, MANAGER = "officer", "income_officer", "manager"
EVERYONE = (OFFICER, INCOME, MANAGER)

SECTIONS = [
    # (label, url name, roles, URL prefix that marks it current)
    ("Home", "home", EVERYONE, None),
    ("Service status", "services:register", (MANAGER,), "/services/"),
    ("Tenants", "tenants:search", EVERYONE, "/tenants/"),
    ("Arrears", "arrears:flags", (INCOME, MANAGER), "/arrears/"),
    ("Call queue", "welfare:queue", (OFFICER, MANAGER), "/queue/"),
    ("Here to Help", "help:my_requests", (OFFICER, INCOME, MANAGER), "/help/"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, url_name, roles, prefix in SECTIONS:
        if user.role not in roles:
            continue
        url = reverse(url_name)
        current = request.path == url if prefix is None else request.path.startswith(prefix)
        items.append({"label": label, "url": url, "current": current})
    return {"nav_items": items}
