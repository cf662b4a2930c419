"""What the register tells the apps above it. tenants/ imports no domain app: an app that must
act when a tenant changes connects a receiver here (in its AppConfig.ready)."""

from django.dispatch import Signal

# Sent inside the transaction that changed the flags, with `tenant` and `changed` (the names of
# the flag fields that changed), so receivers' writes commit or roll back with the change.
tenant_flags_changed = Signal()

# Sent by the tenant import inside its transaction once its rows are saved (not on a dry run),
# with `on` (the import's day): an app that keeps something for each support provider makes it
# for the providers that lack it, the import's new ones among them, set-based (welfare: the team
# that checks in with each).
tenant_import_saved = Signal()
