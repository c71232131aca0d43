"""Sales composition (销售构成分析) by grade and product composition (商品构成分析) by
category, with the grade × category matrix: which products to push to which customers.

Each generator runs a fixed number of aggregate queries (GROUP BY in the database) whatever
the number of sales lines; Python only arranges the few grouped rows (one per grade or
category) into a table."""

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, F, FilteredRelation, Q, Sum
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.roles import person_name
from classification.models import GradeLevel, Region
from reports.analysis import Analysis
from reports.base import (
    Column,
    Table,
    analysis_url,
    category_tree,
    change,
    chart_svg,
    customer_list_url,
    money,
    quantity,
    sales_in_scope,
    share,
)
from reports.filters import ReportFilterForm, ReportFilters


class GradeBasis:
    """Which grade a sale counts under: the customer's grade today, or the grade the
    customer had on the day of the sale (from the grade history)."""

    CURRENT = "current"
    AT_SALE = "at_sale"
    CHOICES = [
        (CURRENT, _("Grade as it is today")),
        (AT_SALE, _("Grade on the day of each sale")),
    ]


class Breakdown:
    NONE = ""
    SALESPERSON = "salesperson"
    REGION = "region"
    CHOICES = [
        (NONE, _("No breakdown")),
        (SALESPERSON, _("By salesperson")),
        (REGION, _("By region")),
    ]


def _with_grade(sales, basis: str):
    """Sales lines with `grade_key`: the id of the grade they count under (None: no grade).
    On the day of a sale, the grade is the history period that holds that day (from
    `valid_from` included to `valid_to` excluded), joined in the same query."""
    if basis == GradeBasis.AT_SALE:
        held = Q(customer__grade_history__valid_from__lte=F("date")) & (
            Q(customer__grade_history__valid_to__isnull=True)
            | Q(customer__grade_history__valid_to__gt=F("date"))
        )
        return sales.annotate(
            held=FilteredRelation("customer__grade_history", condition=held),
            grade_key=F("held__grade_id"),
        )
    return sales.annotate(grade_key=F("customer__grade_id"))


def _breakdown_key(breakdown: str) -> list[str]:
    """The customer's column a breakdown groups by (none without one)."""
    if breakdown == Breakdown.SALESPERSON:
        return ["customer__salesperson_id"]
    if breakdown == Breakdown.REGION:
        return ["customer__region_id"]
    return []


def _group_names(breakdown: str, ids) -> dict:
    """Each group's key for the customer list (username or region code) and its name, by
    id, in one query; the customers without one are the group None."""
    if breakdown == Breakdown.SALESPERSON:
        people = get_user_model().objects.filter(pk__in=[pk for pk in ids if pk])
        named = {user.pk: (user.get_username(), person_name(user)) for user in people}
        named[None] = ("", gettext("No salesperson"))
    else:
        regions = Region.objects.filter(pk__in=[pk for pk in ids if pk])
        named = {region.pk: (region.code, str(region)) for region in regions}
        named[None] = ("", gettext("No region"))
    return named


def _grouped(user, filters: ReportFilters, basis: str, breakdown: str):
    """{(group id, grade id): (amount, customers)}, in one query (group None without a
    breakdown)."""
    keys = _breakdown_key(breakdown)
    sales = _with_grade(sales_in_scope(user, filters), basis)
    rows = sales.values("grade_key", *keys).annotate(
        amount=Sum("amount"), customers=Count("customer_id", distinct=True)
    )
    return {
        (values[keys[0]] if keys else None, values["grade_key"]): (
            money(values["amount"]),
            values["customers"],
        )
        for values in rows.order_by()
    }


SALES_COMPOSITION_FIELDS = (
    "grade",
    "grade_code",
    "amount",
    "share",
    "customers",
    "customer_share",
    "average",
    "previous_amount",
    "previous_share",
    "change",
)


def sales_composition(
    user, filters: ReportFilters, *, basis: str = GradeBasis.CURRENT, breakdown: str = ""
) -> Table:
    """Each grade's share of the sales amount in the period, the customers who bought and
    the average per customer, beside the previous period of the same length. Customers
    without a grade are a row of their own. With a breakdown, the same per salesperson (the
    customer's) or per region (the customer's), shares within each group.

    Customers count once per grade they bought under: with grades on the day of each sale,
    a customer regraded during the period counts under each, and the total sums the rows."""
    grades = list(GradeLevel.objects.order_by("order", "code"))
    current = _grouped(user, filters, basis, breakdown)
    previous = _grouped(user, filters.previous(), basis, breakdown)
    group_ids = {group for group, _grade in [*current, *previous]} or {None}
    names = _group_names(breakdown, group_ids) if breakdown else {None: ("", "")}
    # Named groups by name, the group without one last.
    groups = sorted(group_ids, key=lambda pk: (pk is None, names[pk][1]))
    rows, links = [], {}
    for group in groups:
        group_key, group_name = names[group]
        group_amount = sum(a for (g, _k), (a, _c) in current.items() if g == group)
        group_customers = sum(c for (g, _k), (_a, c) in current.items() if g == group)
        previous_amount = sum(a for (g, _k), (a, _c) in previous.items() if g == group)
        levels = [(grade.pk, grade, grade.code) for grade in grades]
        if (group, None) in current or (group, None) in previous:
            levels.append((None, None, ""))
        for pk, grade, code in levels:
            amount, customers = current.get((group, pk), (Decimal("0.00"), 0))
            before, _customers = previous.get((group, pk), (Decimal("0.00"), 0))
            row = {
                "group": group_name,
                "group_key": group_key,
                "label": str(grade) if grade else gettext("No grade"),
                "grade": grade.name if grade else None,
                "grade_code": code or None,
                "amount": amount,
                "share": share(amount, group_amount),
                "customers": customers,
                "customer_share": share(customers, group_customers),
                "average": money(amount / customers) if customers else None,
                "previous_amount": before,
                "previous_share": share(before, previous_amount),
                "change": change(amount, before),
            }
            if basis == GradeBasis.CURRENT:
                narrower = {"grade": code or "null"}
                if breakdown:
                    narrower[breakdown] = group_key
                if group_key or not breakdown:
                    links[len(rows)] = customer_list_url(filters, **narrower)
            rows.append(row)
    total_amount = sum(a for a, _c in current.values())
    total_customers = sum(c for _a, c in current.values())
    total_previous = sum(a for a, _c in previous.values())
    total = {
        "amount": money(total_amount),
        "share": 1.0 if total_amount else 0.0,
        "customers": total_customers,
        "customer_share": 1.0 if total_customers else 0.0,
        "average": money(total_amount / total_customers) if total_customers else None,
        "previous_amount": money(total_previous),
        "previous_share": 1.0 if total_previous else 0.0,
        "change": change(total_amount, total_previous),
    }
    previous_period = filters.previous()
    columns = [
        Column("label", _("Grade")),
        Column("amount", _("Sales amount"), "money"),
        Column("share", _("Share of amount"), "share"),
        Column("customers", _("Customers who bought"), "count"),
        Column("customer_share", _("Share of customers"), "share"),
        Column("average", _("Average per customer"), "money"),
        Column("previous_amount", _("Previous period"), "money"),
        Column("previous_share", _("Previous share"), "share"),
        Column("change", _("Change"), "share"),
    ]
    if breakdown:
        label = _("Salesperson") if breakdown == Breakdown.SALESPERSON else _("Region")
        columns.insert(0, Column("group", label))
    return Table(
        title=_("Sales composition"),
        columns=columns,
        rows=rows,
        total=total,
        period=(filters.date_from, filters.date_to),
        note=str(
            _(
                "Each sale counts under the grade its customer had on the day of the sale "
                "(the grade history)."
            )
            if basis == GradeBasis.AT_SALE
            else _("Each sale counts under the grade its customer has today.")
        )
        + " "
        + str(
            _(
                "Previous period: %(start)s to %(end)s. Customers count once per grade they "
                "bought under."
            )
        )
        % {
            "start": formats.date_format(previous_period.date_from),
            "end": formats.date_format(previous_period.date_to),
        },
        links=links,
        fields=SALES_COMPOSITION_FIELDS + (("group", "group_key") if breakdown else ()),
    )


PRODUCT_COMPOSITION_FIELDS = (
    "category",
    "category_code",
    "parent_code",
    "quantity",
    "amount",
    "quantity_share",
    "amount_share",
)


def product_composition(user, filters: ReportFilters, *, rollup: bool = False) -> Table:
    """Each product category's share of the quantity sold (销售量) and of the amount in the
    period, for the customers and classifications of the filters. Each category counts the
    lines of its own products; `rollup` gives the top-level categories instead, each with
    everything below it."""
    categories, tops = category_tree()
    sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
    grouped = (
        sales_in_scope(user, filters)
        .values("product__category_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .order_by()
    )
    for values in grouped:
        pk = values["product__category_id"]
        key = tops[pk] if rollup else pk
        sums[key][0] += Decimal(str(values["quantity"] or 0))
        sums[key][1] += Decimal(str(values["amount"] or 0))
    total_quantity = quantity(sum(q for q, _a in sums.values()))
    total_amount = money(sum(a for _q, a in sums.values()))
    ordered = sorted(sums.items(), key=lambda item: (-item[1][1], categories[item[0]].code))
    rows, links = [], {}
    for pk, (qty, amount) in ordered:
        category = categories[pk]
        parent = categories.get(category.parent_id)
        # The customers behind a category: those who bought it, ranked by what they bought.
        links[len(rows)] = analysis_url("abc", filters, category=category.code)
        rows.append(
            {
                "category": category.name,
                "category_code": category.code,
                "parent_code": parent.code if parent else None,
                "quantity": quantity(qty),
                "amount": money(amount),
                "quantity_share": share(qty, total_quantity),
                "amount_share": share(amount, total_amount),
            }
        )
    return Table(
        title=_("Product composition"),
        columns=[
            Column("category", _("Product category")),
            Column("category_code", _("Code")),
            Column("quantity", _("Quantity"), "quantity"),
            Column("quantity_share", _("Share of quantity"), "share"),
            Column("amount", _("Sales amount"), "money"),
            Column("amount_share", _("Share of amount"), "share"),
        ],
        rows=rows,
        total={
            "quantity": total_quantity,
            "amount": total_amount,
            "quantity_share": 1.0 if total_quantity else 0.0,
            "amount_share": 1.0 if total_amount else 0.0,
        },
        period=(filters.date_from, filters.date_to),
        links=links,
        fields=PRODUCT_COMPOSITION_FIELDS,
    )


def grade_category_matrix(
    user, filters: ReportFilters, *, basis: str = GradeBasis.CURRENT, rollup: bool = True
) -> Table:
    """The grade × category matrix: for each grade, how its amount splits over the product
    categories (shares within the grade), in one query. `rollup` (the default) uses the
    top-level categories."""
    categories, tops = category_tree()
    grades = list(GradeLevel.objects.order_by("order", "code"))
    cells = defaultdict(lambda: [Decimal(0), Decimal(0)])
    grouped = (
        _with_grade(sales_in_scope(user, filters), basis)
        .values("grade_key", "product__category_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount"))
        .order_by()
    )
    for values in grouped:
        pk = values["product__category_id"]
        cell = cells[values["grade_key"], tops[pk] if rollup else pk]
        cell[0] += Decimal(str(values["quantity"] or 0))
        cell[1] += Decimal(str(values["amount"] or 0))
    used = sorted(
        {category for _grade, category in cells},
        key=lambda pk: -sum(a for (_g, c), (_q, a) in cells.items() if c == pk),
    )
    levels = [(grade.pk, grade) for grade in grades]
    if any(grade is None for grade, _category in cells):
        levels.append((None, None))
    rows, links = [], {}
    for pk, grade in levels:
        grade_amount = sum(a for (g, _c), (_q, a) in cells.items() if g == pk)
        row = {
            "label": str(grade) if grade else gettext("No grade"),
            "grade": grade.name if grade else None,
            "grade_code": grade.code if grade else None,
            "amount": money(grade_amount),
            "categories": [],
        }
        if basis == GradeBasis.CURRENT:
            links[len(rows)] = customer_list_url(filters, grade=grade.code if grade else "null")
        for category_pk in used:
            qty, amount = cells.get((pk, category_pk), (Decimal(0), Decimal(0)))
            row[f"c{category_pk}"] = share(amount, grade_amount)
            row["categories"].append(
                {
                    "category": categories[category_pk].name,
                    "category_code": categories[category_pk].code,
                    "quantity": quantity(qty),
                    "amount": money(amount),
                    "share": share(amount, grade_amount),
                }
            )
        rows.append(row)
    total_amount = sum(a for _q, a in cells.values())
    total = {"amount": money(total_amount)}
    for category_pk in used:
        amount = sum(a for (_g, c), (_q, a) in cells.items() if c == category_pk)
        total[f"c{category_pk}"] = share(amount, total_amount)
    return Table(
        title=_("Grade × category"),
        columns=[
            Column("label", _("Grade")),
            *(Column(f"c{pk}", categories[pk].name, "share") for pk in used),
            Column("amount", _("Sales amount"), "money"),
        ],
        rows=rows,
        total=total,
        period=(filters.date_from, filters.date_to),
        note=str(_("Each cell is the category's share of the grade's sales amount.")),
        links=links,
        fields=("grade", "grade_code", "amount", "categories"),
    )


class SalesCompositionForm(ReportFilterForm):
    grade_basis = forms.ChoiceField(
        label=_("Grades"),
        choices=GradeBasis.CHOICES,
        required=False,
        help_text=_("current: each customer's grade today; at_sale: on the day of each sale"),
    )
    by = forms.ChoiceField(label=_("Breakdown"), choices=Breakdown.CHOICES, required=False)
    main_fields = (*ReportFilterForm.main_fields, "grade_basis", "by")

    def options(self):
        return {
            "basis": self.cleaned_data.get("grade_basis") or GradeBasis.CURRENT,
            "breakdown": self.cleaned_data.get("by") or Breakdown.NONE,
        }


class ProductCompositionForm(ReportFilterForm):
    rollup = forms.BooleanField(
        label=_("Top-level categories"),
        required=False,
        help_text=_("Each top-level category with everything below it"),
    )
    main_fields = (*ReportFilterForm.main_fields, "rollup")

    def options(self):
        return {"rollup": self.cleaned_data.get("rollup", False)}


class GradeCategoryForm(ReportFilterForm):
    grade_basis = SalesCompositionForm.base_fields["grade_basis"]
    main_fields = (*ReportFilterForm.main_fields, "grade_basis")

    def options(self):
        return {"basis": self.cleaned_data.get("grade_basis") or GradeBasis.CURRENT}


def sales_composition_chart(table: Table) -> str:
    if any(row.get("group") for row in table.rows):
        return ""  # a breakdown's groups read better as the table
    return chart_svg([(row["label"], float(row["amount"])) for row in table.rows])


def product_composition_chart(table: Table) -> str:
    return chart_svg([(row["category"], float(row["amount"])) for row in table.rows])


def grade_category_chart(table: Table) -> str:
    """Each grade's amount split over the categories, as stacked bars of percentages."""
    categories = [column for column in table.columns if column.kind == "share"]
    if not table.rows or not categories:
        return ""
    return chart_svg(
        [(row["label"], 0.0) for row in table.rows],
        kind="stacked",
        series=[
            (str(column.label), [row.get(column.key, 0.0) * 100 for row in table.rows])
            for column in categories
        ],
        value_formatter=lambda value: f"{value:.0f}%",
    )


class GradeRowSerializer(serializers.Serializer):
    grade = serializers.CharField(allow_null=True, help_text=_("The grade's name; null: no grade"))
    grade_code = serializers.CharField(allow_null=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    share = serializers.FloatField(help_text=_("Share of the total amount, 0 to 1"))
    customers = serializers.IntegerField(help_text=_("Customers who bought in the period"))
    customer_share = serializers.FloatField()
    average = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    previous_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    previous_share = serializers.FloatField()
    change = serializers.FloatField(
        allow_null=True, help_text=_("Change of the amount against the previous period")
    )
    group = serializers.CharField(required=False, help_text=_("With `by`: the group's name"))
    group_key = serializers.CharField(
        required=False, help_text=_("With `by`: the salesperson's username or the region's code")
    )


class CategoryRowSerializer(serializers.Serializer):
    category = serializers.CharField()
    category_code = serializers.CharField()
    parent_code = serializers.CharField(allow_null=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    quantity_share = serializers.FloatField()
    amount_share = serializers.FloatField()


class MatrixCellSerializer(serializers.Serializer):
    category = serializers.CharField()
    category_code = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    share = serializers.FloatField(help_text=_("Share of the grade's amount"))


class MatrixRowSerializer(serializers.Serializer):
    grade = serializers.CharField(allow_null=True)
    grade_code = serializers.CharField(allow_null=True)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    categories = MatrixCellSerializer(many=True)


SALES_COMPOSITION = Analysis(
    slug="sales-composition",
    title=_("Sales composition"),
    description=_("Each grade's share of the sales amount, against the previous period."),
    form_class=SalesCompositionForm,
    generate=sales_composition,
    row_serializer=GradeRowSerializer,
    chart=sales_composition_chart,
)
PRODUCT_COMPOSITION = Analysis(
    slug="product-composition",
    title=_("Product composition"),
    description=_("Each product category's share of the quantity and the amount sold."),
    form_class=ProductCompositionForm,
    generate=product_composition,
    row_serializer=CategoryRowSerializer,
    chart=product_composition_chart,
)
GRADE_CATEGORY = Analysis(
    slug="grade-category",
    title=_("Grade × category"),
    description=_("Which product categories each grade buys: where to push what."),
    form_class=GradeCategoryForm,
    generate=grade_category_matrix,
    row_serializer=MatrixRowSerializer,
    chart=grade_category_chart,
)
