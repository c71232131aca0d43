"""Reference data in general: an entry still in use is never deleted."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _


def reference_used_by(instance: models.Model) -> list[str]:
    """What still points at `instance`, by the plural names of the models that do."""
    return [
        str(relation.related_model._meta.verbose_name_plural)
        for relation in instance._meta.related_objects
        if relation.related_model._base_manager.filter(**{relation.field.name: instance}).exists()
    ]


def reference_delete(*, instance: models.Model) -> None:
    """Delete an entry nothing uses; one still in use is refused (deactivate it instead)."""
    with transaction.atomic():
        used_by = reference_used_by(instance)
        if used_by:
            raise ValidationError(
                _("“%(name)s” is still used by: %(used_by)s. Deactivate it instead."),
                params={"name": instance, "used_by": ", ".join(used_by)},
                code="in_use",
            )
        instance.delete()
