from . import selectors

ARREARS_SHOWN = 10


def help_panels(user):
    """Here to Help: open requests for staff, financial difficulty waiting for an income
    officer's decision on an arrears flag, and directory entries a manager must validate."""
    counts = selectors.request_counts(user)
    result = [{"template": "help/panels/requests.html", **counts}]
    if user.is_income_officer:
        waiting = selectors.arrears_to_consider(user)
        requests = list(waiting[:ARREARS_SHOWN])
        count = len(requests) if len(requests) < ARREARS_SHOWN else waiting.count()
        if count:
            result.append(
                {"template": "help/panels/arrears.html", "requests": requests, "count": count}
            )
    if user.is_manager:
        stale = selectors.directory_needing_validation_count()
        if stale:
            result.append({"template": "help/panels/directory.html", "count": stale})
    return result


def panels(user):
    return help_panels(user)
