"""Notifications that the sales facts changed, for the logic above sales.

Sales sits below the logic derived from its lines (the customers' lifecycle facts live in
`classification.services.lifecycle`, SPEC 3) and must not import it. The sales write paths
send these signals explicitly, inside their transaction; receivers run synchronously in it,
so a receiver's failure rolls the whole write back."""

import django.dispatch

# Sent after sales lines were added or removed, with one keyword argument:
#   customer_ids: a queryset or subquery of the pks of the customers whose lines were added
#     or removed, or a list of them. A queryset may read the sender's temporary tables:
#     evaluate it during the call, never keep it for later.
sales_lines_changed = django.dispatch.Signal()
