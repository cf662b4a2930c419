from django.utils import timezone

from .selectors import reviews_due, undated_count

SHOWN = 10


def panels(user):
    """Income officers and managers: the arrears reviews due today, or overdue, and how many
    open flags have no review date at all (they never come due by themselves)."""
    if not user.sees_arrears_amounts:
        return []
    today = timezone.localdate()
    due = reviews_due(user, today)
    flags = list(due[: SHOWN + 1])
    undated = undated_count(user)
    if not flags and not undated:
        return []
    count = len(flags) if len(flags) <= SHOWN else due.count()
    flags = flags[:SHOWN]
    return [
        {
            "template": "arrears/panels/reviews_due.html",
            "count": count,
            "more": count - len(flags),
            "flags": flags,
            "today": today,
            "undated": undated,
            # An income officer's count is their team's alone: said, as the manager's is larger.
            "whose": "across every team"
            if user.is_manager
            else f"in your team's patches ({user.team})",
        }
    ]
