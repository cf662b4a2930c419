from django.utils import timezone

from .selectors import reviews_due

SHOWN = 10


def panels(user):
    """Income officers and managers: the arrears reviews due today, or overdue."""
    if not user.sees_arrears_amounts:
        return []
    today = timezone.localdate()
    due = reviews_due(user, today)
    flags = list(due[: SHOWN + 1])
    if not flags:
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
            # An income officer's count is their team's alone: said, as the manager's is larger.
            "whose": "across every team"
            if user.is_manager
            else f"in your team's patches ({user.team})",
        }
    ]
