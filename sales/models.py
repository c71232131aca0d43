"""Sales facts from the company's ERP: product categories, products and sales lines."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from archive_crm.trees import TreeQuerySet


class ProductCategory(models.Model):
    """商品类别: a flat list or a tree (a category may have a parent)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = TreeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self):
        return self.name

    def clean(self):
        if self.pk and self.parent_id in ProductCategory.objects.subtree_ids(self):
            raise ValidationError(
                {"parent": _("A category cannot be placed under itself or one of its children.")}
            )


class Product(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self):
        return f"{self.name} ({self.code})"


class SalesRecord(models.Model):
    """One sales line. `line_key` is its natural key: re-importing a file never duplicates
    a line (see sales.loader for how it is formed).

    The references carry no database-level foreign-key constraint (`db_constraint=False`):
    PostgreSQL checks such a constraint with a trigger per row and reference, which made
    bulk loads of millions of lines three times slower. Integrity holds without it: the
    loader resolves every code before writing, customers are never deleted (cards are
    archived), and deleting a referenced customer or product is refused by the ORM
    (`on_delete=PROTECT`).
    """

    date = models.DateField(_("date"))
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="sales",
        db_index=False,  # covered by the (customer, date) index
        db_constraint=False,
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="sales",
        db_index=False,  # covered by the (product, date) index
        db_constraint=False,
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # analyses go through the customer; one index less to keep on load
        db_constraint=False,
    )
    document_no = models.CharField(_("document number"), max_length=40, blank=True)
    line_key = models.UUIDField(_("line key"), unique=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("sales record")
        verbose_name_plural = _("sales records")
        indexes = [
            # The analyses filter by period and group by customer or product; the lists sort
            # newest first with the key as tie-breaker, read from this index alone however
            # deep the page.
            models.Index(fields=["date", "id"], name="sales_date_id_idx"),
            models.Index(fields=["customer", "date"], name="sales_customer_date_idx"),
            models.Index(fields=["product", "date"], name="sales_product_date_idx"),
        ]

    def __str__(self):
        return f"{self.date} {self.customer_id} {self.product_id} {self.amount}"
