"""Each log line is printed once: a record of Django's loggers meets exactly one handler on
its way up, with DEBUG on or off."""

import logging
import logging.config

import pytest
from django.conf import settings
from django.utils.log import DEFAULT_LOGGING, configure_logging


def handlers_on_the_way(name: str) -> list[logging.Handler]:
    found, logger = [], logging.getLogger(name)
    while logger is not None:
        found.extend(logger.handlers)
        logger = logger.parent if logger.propagate else None
    return found


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("name", ["django.request", "django.security.csrf", "archive_crm"])
def test_a_record_meets_one_printing_handler(name, debug):
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, "x", None, None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "DEBUG", debug)
        printing = [
            handler
            for handler in handlers_on_the_way(name)
            if isinstance(handler, logging.StreamHandler) and handler.filter(record)
        ]
    assert len(printing) == 1
    assert DEFAULT_LOGGING["loggers"]["django"]["handlers"]  # Django's own default prints too
