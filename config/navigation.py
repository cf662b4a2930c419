"""The service navigation: which sections each role sees. Apps add their sections here."""

from django.urls import reverse

from accounts.access import passed_sign_in

OFFICER, INCOME, MANAGER = "officer", "income_officer", "manager"
EVERYONE = (OFFICER, INCOME, MANAGER)

SECTIONS = [
    # (label, url name, roles, URL prefix that marks it current: the longest match wins)
    ("Home", "home", EVERYONE, None),
    ("Dashboard", "dashboard:index", (MANAGER,), "/dashboard/"),
    ("Call queue", "welfare:queue", (OFFICER, MANAGER), "/queue/"),
    ("Tenants", "tenants:search", EVERYONE, "/tenants/"),
    ("Here to Help", "help:my_requests", (OFFICER, INCOME, MANAGER), "/help/"),
    ("Arrears", "arrears:flags", (INCOME, MANAGER), "/arrears/"),
    ("Escalations", "welfare:escalations", (MANAGER,), "/queue/escalations/"),
    ("Campaigns", "campaigns:list", (MANAGER,), "/campaigns/"),
    ("Providers", "providers:list", (OFFICER, MANAGER), "/providers/"),
    ("Service status", "services:register", (MANAGER,), "/services/"),
    ("Messages", "messaging:index", (MANAGER,), "/messages/"),
    # Tenant files and campaign lists (managers), rent balances (income officers): "Your
    # imports", with each kind's upload and the imports running in the background.
    ("Imports", "imports:list", (INCOME, MANAGER), "/imports/"),
]

# A manager's menu held every section and wrapped onto two lines at 1280 px wide: the sections
# a manager opens now and then are one entry, "More", a page listing them (`config.views.more`),
# marked current on any of their pages. Officers and income officers keep theirs in the menu.
MANAGERS_MORE = {
    "arrears:flags": "Arrears flags for tenants who lost income, and their reviews",
    "providers:list": "Support providers, their staffing and check-ins",
    "services:register": "The service-status register that tenants read",
    "messaging:index": "Texts and emails to tenants, one at a time or in bulk",
    "imports:list": "Tenant files and rent balances, and the files you have imported",
}
MORE_LABEL = "More"


def _items(request, user):
    """Each section `user` may open, with how long a prefix of the address it matches."""
    items = []
    for label, url_name, roles, prefix in SECTIONS:
        if user.role not in roles:
            continue
        url = reverse(url_name)
        if prefix is None:
            match = len(url) if request.path == url else 0
        else:
            match = len(prefix) if request.path.startswith(prefix) else 0
        items.append({"label": label, "url": url, "match": match, "name": url_name})
    return items


def more_sections(user):
    """The sections under "More" for `user` (a manager's), with a line saying what each holds."""
    if user.role != MANAGER:
        return []
    return [
        {"label": label, "url": reverse(url_name), "about": MANAGERS_MORE[url_name]}
        for label, url_name, roles, _prefix in SECTIONS
        if url_name in MANAGERS_MORE and MANAGER in roles
    ]


def navigation(request):
    """`nav_items` for the menu; `signed_in` once the person has passed every check
    (`passed_sign_in`): between the password and the two-factor code every staff page sends
    them back to the code, so the header shows no menu, no name and only "Sign out"."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not passed_sign_in(user):
        return {"nav_items": [], "signed_in": False}
    items = _items(request, user)
    if user.role == MANAGER:
        grouped = [item for item in items if item["name"] in MANAGERS_MORE]
        items = [item for item in items if item["name"] not in MANAGERS_MORE]
        more_url = reverse("more")
        match = max(item["match"] for item in grouped)
        if request.path == more_url:
            match = len(more_url)
        items.append({"label": MORE_LABEL, "url": more_url, "match": match})
    best = max((item["match"] for item in items), default=0)
    for item in items:
        item["current"] = best > 0 and item["match"] == best
    return {"nav_items": items, "signed_in": True}
