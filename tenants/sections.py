"""The tenant record is put together from sections each app registers, as the home page is from
each app's panels: tenants owns the page, each app owns its section (its context and its
template). Apps register in their AppConfig.ready, so tenants imports none of them."""

from collections.abc import Callable
from dataclasses import dataclass

# Where on the record a section goes: rows of the register's own "Details" list (each
# template one or more `govuk-summary-list__row`s), beside those details (before the family
# contacts), or after them.
IN_DETAILS, WITH_DETAILS, AFTER_CONTACTS = "in_details", "with_details", "after_contacts"
PLACES = (IN_DETAILS, WITH_DETAILS, AFTER_CONTACTS)


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    place: str
    # context(user, tenant, today) -> dict merged into the page's context; each app's keys
    # start with its own prefix (call_, help_, arrears).
    context: Callable


_sections: dict[str, Section] = {}


def register(name, *, template, context, place=AFTER_CONTACTS):
    """Add (or, registered again under the same name, replace) a section of the record."""
    if place not in PLACES:
        raise ValueError(f"No place {place!r} on the tenant record")
    _sections[name] = Section(name, template, place, context)


def record_sections(user, tenant, today):
    """The sections' context merged, and their templates by place, in registration order."""
    context = {}
    templates = {place: [] for place in PLACES}
    for section in _sections.values():
        context.update(section.context(user, tenant, today))
        templates[section.place].append(section.template)
    return context, templates
