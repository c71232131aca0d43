"""Notifications of the review, for the channels above it."""

import django.dispatch

# Sent when a manager accepted or rejected a proposal, inside the same transaction, with one
# keyword argument, `proposal`. The channel that filed it may follow (a visit report counts
# as reviewed once none of its proposals is pending).
proposal_decided = django.dispatch.Signal()
