"""Simplified Chinese formats: Django's, with amounts grouped by thousands as Chinese
business documents and spreadsheets write them ("14,285,230.56"), not run together."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
