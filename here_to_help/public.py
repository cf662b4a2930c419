"""The public help centre: the validated resource directory for tenants, searchable by need and
postcode district. Organisation details only: no request, tenant or member of staff appears.

Each search is rendered once and served from the public cache the status page uses
(services/cache.py: 0 queries on a hit, built from the database when Redis is down). An entry is
good until the first organisation on it passes 90 days without validation, and the directory's
actions bump the cache version on commit, so a change or a lapse shows at once.
"""

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from services import cache
from services.public import _page_response, _render_page
from tenants.postcodes import OUTWARD_CODE, POSTCODE_OR_OUTWARD

from . import selectors
from .models import Need


def parse_district(text):
    """The postcode district of what was typed (`pr1`, `PR1 2AB`, `pr12ab`): "" for nothing,
    None for something that is not a postcode."""
    compact = re.sub(r"\s+", "", text).upper()
    if not compact:
        return ""
    if not POSTCODE_OR_OUTWARD.match(compact):
        return None
    # With an inward code (a digit and two letters) the district is what comes before it.
    return compact if OUTWARD_CODE.match(compact) else compact[:-3]


def help_centre(request):
    need = request.GET.get("need", "")
    typed = request.GET.get("postcode", "").strip()[:10]
    errors = {}
    if need not in Need.values:
        if need:
            errors["need"] = _("Choose a kind of help from the list")
        need = ""
    district = parse_district(typed)
    if district is None:
        errors["postcode"] = _("Enter a postcode district, like PR1, or a full postcode")
        district = ""

    def build():
        organisations = selectors.public_directory(now=timezone.now(), need=need, district=district)
        html = _render_page(
            request,
            "here_to_help/public/help_centre.html",
            {
                "organisations": organisations,
                "needs": Need.choices,
                "need": need,
                "district": district,
                # Shown in the box: what was typed when refused, else the district searched.
                "typed": typed if errors else district,
                "errors": errors,
                "searched": bool(need or district),
            },
        )
        return html, selectors.public_directory_expires_at(organisations)

    if errors:
        # What was typed is shown again with the reason; such a page is never cached.
        body, _expires = build()
        return _page_response(request, {"body": body, "until": 0})
    return _page_response(request, cache.get_or_build(f"help-centre:{need}:{district}", build))
