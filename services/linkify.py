"""Plain-text messages made readable on the public pages: phone numbers, email addresses and web
links become links, and nothing else a manager types is ever taken as HTML."""

import re

import phonenumbers
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

# One pass over the text, so a link is never looked for inside another link's markup.
TOKENS = re.compile(
    r"(?P<url>\bhttps?://[^\s<>\"']+|\bwww\.[^\s<>\"']+)"
    r"|(?P<email>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b)"
    r"|(?P<phone>(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[ -]?\d){8,9}(?!\w))"
    r"|(?P<emergency>(?<![\w+])(?:999|112)(?!\w))"
)
# Left off the end of a link: the full stop or bracket that closes the sentence.
TRAILING = ".,;:!?)]}"


def tel_href(number):
    """'tel:+442079460000' for a UK number as people write it, or '' if it is not one."""
    if number in ("999", "112"):
        return f"tel:{number}"
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _link(kind, text):
    if kind == "url":
        href = text if text.startswith("http") else f"https://{text}"
        return format_html(
            '<a class="govuk-link" href="{}" rel="noopener noreferrer nofollow">{}</a>', href, text
        )
    if kind == "email":
        return format_html('<a class="govuk-link" href="mailto:{}">{}</a>', text, text)
    href = tel_href(text)
    if not href:
        return escape(text)
    return format_html('<a class="govuk-link" href="{}">{}</a>', href, text)


def linkify(text):
    """`text` escaped, with its links made clickable and its line breaks kept."""
    parts, last = [], 0
    for match in TOKENS.finditer(text):
        kind, found = match.lastgroup, match.group()
        end = match.end()
        if kind == "url":
            while found and found[-1] in TRAILING:
                found, end = found[:-1], end - 1
        parts.append(escape(text[last : match.start()]))
        parts.append(_link(kind, found))
        last = end
    parts.append(escape(text[last:]))
    html = "".join(str(part) for part in parts)
    return mark_safe(html.replace("\r\n", "\n").replace("\n", "<br>"))  # noqa: S308 (all escaped above)
