"""Pages: routes (客户路序), the day plan and the region tree. Managers set routes up and
order their stops; a salesperson sees the routes they ride, only with the customers in
their scope. Reads go through the route selectors and writes through the services."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.roles import SALES, is_manager, manager_required, person_name, salespeople
from archive_crm.forms import DateInput, add_service_error
from classification.models import Region, Route
from classification.services.regions import (
    REGION_FIELDS,
    region_create,
    region_delete,
    region_tree,
    region_update,
)
from classification.services.routes import (
    ROUTE_FIELDS,
    plan_for,
    route_add_customer,
    route_candidates,
    route_create,
    route_delete,
    route_get_for_user,
    route_optimise_apply,
    route_optimise_preview,
    route_remove_customer,
    route_reorder,
    route_stops,
    route_update,
    routes_visible_to,
)
from customers.selectors import customer_get_for_user
from customers.services import CardArchived, CardConflict

# Forms -------------------------------------------------------------------------------------


class RouteForm(forms.ModelForm):
    class Meta:
        model = Route
        fields = ROUTE_FIELDS
        widgets = {"first_visit_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        salesperson = self.fields["salesperson"]
        salesperson.queryset = salespeople()
        salesperson.label_from_instance = person_name
        self.fields["region"].queryset = Region.objects.order_by("code")


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = REGION_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        parent.queryset = Region.objects.order_by("code")
        if self.instance.pk:
            # Offer only parents that keep the tree a tree; the service checks again.
            parent.queryset = parent.queryset.exclude(
                pk__in=Region.objects.subtree_ids(self.instance)
            )


# Route list, create, edit ------------------------------------------------------------------


@require_GET
def route_list(request):
    routes = routes_visible_to(request.user).order_by("region__code", "order", "code")
    return render(
        request,
        "classification/routes/list.html",
        {"routes": routes, "is_manager": is_manager(request.user)},
    )


def _route_form_page(request, *, route=None):
    form = RouteForm(request.POST or None, instance=route)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ROUTE_FIELDS}
        try:
            if route is None:
                route = route_create(data=data, actor=request.user)
            else:
                route = route_update(
                    route=Route.objects.get(pk=route.pk), changes=data, actor=request.user
                )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The route was saved."))
            return redirect("classification:route_detail", route.pk)
    title = _("New route") if route is None else _("Edit route")
    return render(
        request, "classification/routes/form.html", {"form": form, "route": route, "title": title}
    )


@require_http_methods(["GET", "POST"])
@manager_required
def route_create_view(request):
    return _route_form_page(request)


@require_http_methods(["GET", "POST"])
@manager_required
def route_edit(request, pk):
    return _route_form_page(request, route=route_get_for_user(request.user, pk))


@require_POST
@manager_required
def route_delete_view(request, pk):
    route = route_get_for_user(request.user, pk)
    try:
        route_delete(route=route, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("classification:route_detail", route.pk)
    messages.success(request, _("The route was deleted."))
    return redirect("classification:route_list")


# Route detail and its stops ----------------------------------------------------------------


@require_GET
def route_detail(request, pk):
    route = route_get_for_user(request.user, pk)
    manager = is_manager(request.user)
    # No card holds a NUL character (every form refuses one), so dropping one changes no
    # match; PostgreSQL would refuse it in the query.
    search = request.GET.get("q", "").replace("\x00", "")
    return render(
        request,
        "classification/routes/detail.html",
        {
            "route": route,
            "stops": list(route_stops(route, request.user)),
            "is_manager": manager,
            "candidates": list(route_candidates(route, search=search)) if manager else [],
            "search": search,
        },
    )


def _back_to(route):
    return redirect(reverse("classification:route_detail", args=[route.pk]) + "#stops")


def _report_service_error(request, error: Exception) -> None:
    if isinstance(error, ValidationError):
        messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, str(error))


SERVICE_ERRORS = (ValidationError, CardConflict, CardArchived)


@require_POST
@manager_required
def route_stop_add(request, pk):
    route = route_get_for_user(request.user, pk)
    try:
        customer_pk = int(request.POST.get("customer", ""))
    except ValueError:
        messages.error(request, _("Choose a customer to add."))
        return _back_to(route)
    customer = customer_get_for_user(request.user, customer_pk)
    try:
        route_add_customer(route=route, customer=customer, actor=request.user)
    except SERVICE_ERRORS as error:
        _report_service_error(request, error)
    else:
        messages.success(
            request, _("%(customer)s was added to the route.") % {"customer": customer}
        )
    return _back_to(route)


@require_POST
@manager_required
def route_stop_remove(request, pk, customer_pk):
    route = route_get_for_user(request.user, pk)
    customer = customer_get_for_user(request.user, customer_pk)
    try:
        route_remove_customer(route=route, customer=customer, actor=request.user)
    except SERVICE_ERRORS as error:
        _report_service_error(request, error)
    else:
        messages.success(
            request, _("%(customer)s was taken off the route.") % {"customer": customer}
        )
    return _back_to(route)


@require_POST
@manager_required
def route_stop_move(request, pk, customer_pk):
    """One step up or down: the stop swaps places with its neighbour."""
    route = route_get_for_user(request.user, pk)
    order = [c.pk for c in route_stops(route, request.user)]
    if customer_pk not in order:
        messages.error(request, _("This customer is not on the route."))
        return _back_to(route)
    index = order.index(customer_pk)
    other = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        try:
            route_reorder(route=route, customer_ids=order, actor=request.user)
        except ValidationError as error:
            _report_service_error(request, error)
    return _back_to(route)


@require_POST
@manager_required
def route_reorder_view(request, pk):
    """The positions typed in the stop table: stops sort by the number given (ties keep
    their current order) and are renumbered 1..n."""
    route = route_get_for_user(request.user, pk)
    order = [c.pk for c in route_stops(route, request.user)]
    wanted = []
    for current, customer_pk in enumerate(order):
        try:
            position = int(request.POST[f"position-{customer_pk}"])
        except (KeyError, ValueError):
            messages.error(
                request,
                _("Give every stop a whole number as its position; nothing was changed."),
            )
            return _back_to(route)
        wanted.append((position, current, customer_pk))
    posted = {key.removeprefix("position-") for key in request.POST if key.startswith("position-")}
    try:
        if posted != {str(pk) for pk in order}:
            raise ValidationError(
                _("The route changed meanwhile: reload it and try again. Nothing was changed.")
            )
        route_reorder(
            route=route,
            customer_ids=[customer_pk for _p, _c, customer_pk in sorted(wanted)],
            actor=request.user,
        )
    except ValidationError as error:
        _report_service_error(request, error)
    else:
        messages.success(request, _("The order of the stops was saved."))
    return _back_to(route)


@require_http_methods(["GET", "POST"])
@manager_required
def route_optimise(request, pk):
    """GET: the proposed order next to the current one with both distances; POST: apply it
    (refused if the route changed since the preview)."""
    route = route_get_for_user(request.user, pk)
    if request.method == "POST":
        expected = [pk for pk in request.POST.get("current", "").split(",") if pk.isdigit()]
        try:
            route_optimise_apply(route=route, actor=request.user, expected_current=expected)
        except ValidationError as error:
            _report_service_error(request, error)
            return redirect("classification:route_optimise", route.pk)
        messages.success(request, _("The optimised order was applied."))
        return _back_to(route)
    preview = route_optimise_preview(route=route)
    return render(
        request,
        "classification/routes/optimise.html",
        {
            "route": route,
            "preview": preview,
            "rows": list(zip(preview.current_order, preview.proposed_order, strict=True)),
            "current_ids": ",".join(str(c.pk) for c in preview.current_order),
            "saved_km": preview.distance_before_km - preview.distance_after_km,
            "unchanged": [c.pk for c in preview.current_order]
            == [c.pk for c in preview.proposed_order],
        },
    )


@require_GET
def route_sheet(request, pk):
    """The printable route sheet: stops in order with address, phone, primary contact, last
    visit (until visit reports exist: the last sale, labelled as such) and grade."""
    route = route_get_for_user(request.user, pk)
    return render(
        request,
        "classification/routes/sheet.html",
        {
            "route": route,
            "stops": list(route_stops(route, request.user)),
            "printed_on": timezone.localdate(),
        },
    )


# The day plan ------------------------------------------------------------------------------


@require_GET
def my_plan(request):
    """A salesperson's rounds for a day (`?date=YYYY-MM-DD`, default today). A manager may
    look at a salesperson's plan with `?salesperson=<id>`."""
    today = timezone.localdate()
    error = ""
    try:
        day = datetime.date.fromisoformat(request.GET.get("date") or today.isoformat())
        if not datetime.date.min < day < datetime.date.max:
            raise ValueError(day)  # the previous/next-day links would overflow
    except ValueError:
        day, error = today, _("That is not a date (use YYYY-MM-DD); showing today.")
    person = request.user
    people = []
    if is_manager(request.user):
        people = list(salespeople())
        chosen = request.GET.get("salesperson", "")
        if chosen.isdigit():
            person = get_object_or_404(get_user_model(), pk=chosen, groups__name=SALES)
    plan = plan_for(person, day)
    return render(
        request,
        "classification/routes/plan.html",
        {
            "day": day,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "plan": plan,
            "person": person,
            "salespeople": people,
            "date_error": error,
        },
    )


# The region tree ---------------------------------------------------------------------------


@require_GET
@manager_required
def region_list(request):
    return render(request, "classification/regions/list.html", {"tree": region_tree()})


def _region_form_page(request, *, region=None):
    form = RegionForm(request.POST or None, instance=region)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in REGION_FIELDS}
        try:
            if region is None:
                region_create(data=data, actor=request.user)
            else:
                region_update(
                    region=Region.objects.get(pk=region.pk), changes=data, actor=request.user
                )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The region was saved."))
            return redirect("classification:region_list")
    title = _("New region") if region is None else _("Edit region")
    return render(
        request,
        "classification/regions/form.html",
        {"form": form, "region": region, "title": title},
    )


@require_http_methods(["GET", "POST"])
@manager_required
def region_create_view(request):
    return _region_form_page(request)


@require_http_methods(["GET", "POST"])
@manager_required
def region_edit(request, pk):
    return _region_form_page(request, region=get_object_or_404(Region, pk=pk))


@require_POST
@manager_required
def region_delete_view(request, pk):
    region = get_object_or_404(Region, pk=pk)
    try:
        region_delete(region=region, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("classification:region_edit", region.pk)
    messages.success(request, _("The region was deleted."))
    return redirect("classification:region_list")


urlpatterns = [
    path("routes/", route_list, name="route_list"),
    path("routes/new/", route_create_view, name="route_create"),
    path("routes/<int:pk>/", route_detail, name="route_detail"),
    path("routes/<int:pk>/edit/", route_edit, name="route_edit"),
    path("routes/<int:pk>/delete/", route_delete_view, name="route_delete"),
    path("routes/<int:pk>/sheet/", route_sheet, name="route_sheet"),
    path("routes/<int:pk>/optimise/", route_optimise, name="route_optimise"),
    path("routes/<int:pk>/reorder/", route_reorder_view, name="route_reorder"),
    path("routes/<int:pk>/stops/add/", route_stop_add, name="route_stop_add"),
    path(
        "routes/<int:pk>/stops/<int:customer_pk>/remove/",
        route_stop_remove,
        name="route_stop_remove",
    ),
    path("routes/<int:pk>/stops/<int:customer_pk>/move/", route_stop_move, name="route_stop_move"),
    path("plan/", my_plan, name="plan"),
    path("regions/", region_list, name="region_list"),
    path("regions/new/", region_create_view, name="region_create"),
    path("regions/<int:pk>/edit/", region_edit, name="region_edit"),
    path("regions/<int:pk>/delete/", region_delete_view, name="region_delete"),
]
