"""Reference data the card points to: customer types, ownership forms, the region tree,
grade levels and routes. This is the bottom layer: it imports no other app."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ReferenceData(models.Model):
    """A coded entry with a Chinese name and an optional English one."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The English name in an English page when there is one, otherwise the name."""
        language = get_language() or ""
        if self.name_en and not language.startswith("zh"):
            return self.name_en
        return self.name


class CustomerType(ReferenceData):
    """客户性质: government agency, special company, ordinary company, consumer, partner."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("customer type")
        verbose_name_plural = _("customer types")


class OwnershipForm(ReferenceData):
    """所有权: state-owned, collective, private, foreign-invested, ..."""

    class Meta(ReferenceData.Meta):
        verbose_name = _("ownership form")
        verbose_name_plural = _("ownership forms")


class RegionQuerySet(models.QuerySet):
    def subtree_ids(self, region: "Region") -> set[int]:
        """The region and all its descendants, at any depth, in one query."""
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in self.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found, stack = set(), [region.pk]
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, []))
        return found


class Region(ReferenceData):
    """A node of the region tree: country / province / city, or the company's sales regions."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = RegionQuerySet.as_manager()

    class Meta(ReferenceData.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class GradeLevel(ReferenceData):
    """A customer grade (客户等级): key, general, scattered. `order` 1 is the highest."""

    color = models.CharField(
        _("colour"), max_length=7, default="#616e7c", help_text=_("Hex colour, e.g. #1f6feb")
    )

    class Meta(ReferenceData.Meta):
        verbose_name = _("grade level")
        verbose_name_plural = _("grade levels")


class Route(ReferenceData):
    """客户路序: a route within a region, visited by one salesperson."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="routes"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="routes",
    )

    class Meta(ReferenceData.Meta):
        verbose_name = _("route")
        verbose_name_plural = _("routes")
