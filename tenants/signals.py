"""What the register tells the apps above it. tenants/ imports no domain app: an app that must
act when a tenant changes connects a receiver here (in its AppConfig.ready)."""

from django.dispatch import Signal

# Sent inside the transaction that changed the flags, with `tenant` and `changed` (the names of
# the flag fields that changed), so receivers' writes commit or roll back with the change.
tenant_flags_changed = Signal()
