"""The filters every analysis takes: a period (a preset or a custom range, both ends
included) and the classifications that narrow the customers. One form serves the pages and
the API, so a bad parameter is refused the same way in both: by name, with the reason."""

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_manager, person_name, salespeople
from archive_crm.forms import DayField
from classification.lifecycle import months_before
from classification.models import GradeLevel, Region, Route
from customers.models import Customer
from sales.models import ProductCategory

NO_GRADE = "none"  # the grade filter's value for customers without a grade
# The longest period an analysis covers: ten years of daily figures is already a lot.
MAX_PERIOD_DAYS = 3660


class Preset:
    THIS_MONTH = "this_month"
    THIS_QUARTER = "this_quarter"
    THIS_YEAR = "this_year"
    LAST_12_MONTHS = "last_12_months"
    CUSTOM = "custom"

    CHOICES = [
        (THIS_MONTH, _("This month")),
        (THIS_QUARTER, _("This quarter")),
        (THIS_YEAR, _("This year")),
        (LAST_12_MONTHS, _("Last 12 months")),
        (CUSTOM, _("Custom range")),
    ]


def preset_period(preset: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day (both included) of a preset period ending today."""
    if preset == Preset.THIS_MONTH:
        return today.replace(day=1), today
    if preset == Preset.THIS_QUARTER:
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    if preset == Preset.THIS_YEAR:
        return today.replace(month=1, day=1), today
    return months_before(today, 12) + datetime.timedelta(days=1), today


@dataclass(frozen=True)
class ReportFilters:
    """What an analysis covers: sales from `date_from` to `date_to` (both included), of the
    customers that match the other filters (None: any)."""

    date_from: datetime.date
    date_to: datetime.date
    preset: str = Preset.CUSTOM
    grade: GradeLevel | None = None
    no_grade: bool = False
    region: Region | None = None
    route: Route | None = None
    salesperson: object | None = None
    customer: Customer | None = None
    category: ProductCategory | None = None

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def as_query(self) -> dict[str, str]:
        """These filters as the query parameters of a page or the API (for links from one
        analysis to another)."""
        grade = NO_GRADE if self.no_grade else self.grade.code if self.grade else ""
        params = {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "grade": grade,
            "region": self.region.code if self.region else "",
            "route": self.route.code if self.route else "",
            "salesperson": self.salesperson.get_username() if self.salesperson else "",
            "customer": str(self.customer.pk) if self.customer else "",
            "category": self.category.code if self.category else "",
        }
        return {key: value for key, value in params.items() if value}

    def previous(self) -> "ReportFilters":
        """The same filters over the period of the same length just before this one."""
        date_to = self.date_from - datetime.timedelta(days=1)
        return ReportFilters(
            date_from=date_to - datetime.timedelta(days=self.days - 1),
            date_to=date_to,
            grade=self.grade,
            no_grade=self.no_grade,
            region=self.region,
            route=self.route,
            salesperson=self.salesperson,
            customer=self.customer,
            category=self.category,
        )


class ReportFilterForm(forms.Form):
    """The filters of the pages (GET) and of the API (query parameters): a period preset, or
    `date_from` and `date_to` (ISO dates, both included; given alone they make a custom
    range), then grade (code, or `none`), region (code; its sub-regions included), route
    (code), salesperson (username), customer (id) and product category (code; its
    sub-categories included)."""

    preset = forms.ChoiceField(
        label=_("Period"), choices=Preset.CHOICES, required=False, initial=Preset.THIS_YEAR
    )
    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("To"), required=False)
    grade = forms.CharField(label=_("Grade"), required=False, max_length=32)
    region = forms.CharField(label=_("Region"), required=False, max_length=32)
    route = forms.CharField(label=_("Route"), required=False, max_length=32)
    salesperson = forms.CharField(label=_("Salesperson"), required=False, max_length=150)
    customer = forms.IntegerField(label=_("Customer"), required=False, min_value=1)
    category = forms.CharField(label=_("Product category"), required=False, max_length=32)

    def __init__(self, data=None, *, user, today: datetime.date | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.today = today or timezone.localdate()

    def _reference(self, name: str, queryset, lookup: str):
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        found = queryset.filter(**{lookup: value}).first()
        if found is None:
            raise forms.ValidationError(
                _("“%(value)s” is not a known %(what)s.")
                % {"value": value, "what": self.fields[name].label.lower()},
                code="unknown",
            )
        return found

    def clean_grade(self):
        value = (self.cleaned_data.get("grade") or "").strip()
        if value == NO_GRADE:
            return value
        return self._reference("grade", GradeLevel.objects.all(), "code")

    def clean_region(self):
        return self._reference("region", Region.objects.all(), "code")

    def clean_route(self):
        return self._reference("route", Route.objects.all(), "code")

    def clean_category(self):
        return self._reference("category", ProductCategory.objects.all(), "code")

    def clean_salesperson(self):
        return self._reference("salesperson", get_user_model().objects.all(), "username")

    def clean_customer(self):
        pk = self.cleaned_data.get("customer")
        if pk is None:
            return None
        # Outside the user's scope a customer does not exist, as everywhere.
        customer = Customer.objects.visible_to(self.user).filter(pk=pk).first()
        if customer is None:
            raise forms.ValidationError(_("No customer %(id)s among yours.") % {"id": pk})
        return customer

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        preset = cleaned.get("preset") or ""
        if self.errors:
            return cleaned
        if date_from or date_to or preset == Preset.CUSTOM:
            if not (date_from and date_to):
                raise forms.ValidationError(
                    {"date_to" if date_from else "date_from": _("Give both ends of the period.")}
                )
            preset = Preset.CUSTOM
        else:
            preset = preset or Preset.THIS_YEAR
            date_from, date_to = preset_period(preset, self.today)
        if date_to < date_from:
            raise forms.ValidationError({"date_to": _("The period ends before it starts.")})
        if (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                {"date_to": _("A period covers at most %(days)s days.") % {"days": MAX_PERIOD_DAYS}}
            )
        cleaned.update(date_from=date_from, date_to=date_to, preset=preset)
        return cleaned

    # The fields shown in the form's first row; the others fold under "Filters".
    main_fields = ("preset", "date_from", "date_to")

    def options(self) -> dict:
        """An analysis's own choices (its form's extra fields), as its generator's keyword
        arguments; none here."""
        return {}

    def for_page(self) -> "ReportFilterForm":
        """For a page: the classification fields as drop-downs of what exists (the values
        stay codes and usernames, as in the API), read only for the fields the form has. A
        salesperson's analyses are their own, so they get no salesperson choice."""
        if not is_manager(self.user):
            self.fields.pop("salesperson", None)
        lists = {
            "grade": lambda: [
                *((g.code, str(g)) for g in GradeLevel.objects.order_by("order", "code")),
                (NO_GRADE, _("No grade")),
            ],
            "region": lambda: [(r.code, str(r)) for r in Region.objects.order_by("name")],
            "route": lambda: [(r.code, r.name) for r in Route.objects.order_by("name")],
            "salesperson": lambda: [(u.get_username(), person_name(u)) for u in salespeople()],
            "category": lambda: [
                (c.code, c.name) for c in ProductCategory.objects.order_by("code")
            ],
        }
        for name, choices in lists.items():
            if name in self.fields:
                self.fields[name].widget = forms.Select(choices=[("", _("All")), *choices()])
        if "customer" in self.fields:
            # One customer is chosen from its card, not by number: the page names it.
            self.fields["customer"].widget = forms.HiddenInput()
        return self

    def main_bound_fields(self):
        return [self[name] for name in self.fields if name in self.main_fields]

    def more_bound_fields(self):
        return [self[name] for name in self.fields if name not in self.main_fields]

    def filters(self) -> ReportFilters:
        """The valid form's filters (call after `is_valid()`)."""
        data = self.cleaned_data
        grade = data.get("grade")
        return ReportFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            preset=data["preset"],
            grade=grade if isinstance(grade, GradeLevel) else None,
            no_grade=grade == NO_GRADE,
            region=data.get("region"),
            route=data.get("route"),
            salesperson=data.get("salesperson"),
            customer=data.get("customer"),
            category=data.get("category"),
        )
