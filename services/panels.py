from django.utils import timezone

from .selectors import next_change_at, public_status


def panels(user):
    """Managers see the services by status on their home page, and the next scheduled change."""
    if not user.is_manager:
        return []
    now = timezone.now()
    status = public_status(at=now)
    return [
        {
            "template": "services/panels/summary.html",
            # Each figure opens the register filtered to it (its list).
            "groups": [
                (group.status.label, len(group.services), group.status.value)
                for group in status.groups
            ],
            "next_change_at": next_change_at(at=now),
        }
    ]
