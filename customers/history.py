"""Stamps each historical record with the channel of the change (set by the services as
`instance._history_channel`; edits that bypass them, e.g. the shell, count as manual)."""

from customers.models import Channel


def stamp_channel(sender, instance, history_instance, **kwargs):
    history_instance.history_channel = getattr(instance, "_history_channel", Channel.MANUAL)
