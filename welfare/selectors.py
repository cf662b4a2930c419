"""Reads for welfare calls. (The queue issue fills this in.)"""


def tenant_call_context(tenant, today):
    """Context for the calls panel of the tenant record: cohorts, cadence, due date, last calls."""
    return {}
