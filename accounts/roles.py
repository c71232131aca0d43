"""The two roles of Archive CRM, as Django groups.

Sales staff (`sales`) see and edit only the customers assigned to them; managers (`manager`)
see all; admins are superusers and count as managers everywhere.
"""

from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.core.exceptions import PermissionDenied
from django.db import migrations
from django.utils.translation import gettext_lazy as _

SALES = "sales"
MANAGER = "manager"
ROLES = (SALES, MANAGER)


def role_names(user) -> frozenset[str]:
    """The user's role group names, read once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._role_names = cached
    return cached


def is_manager(user) -> bool:
    """Managers and superusers see every customer and review every channel."""
    return user.is_authenticated and (user.is_superuser or MANAGER in role_names(user))


def is_sales(user) -> bool:
    return SALES in role_names(user)


def person_name(user) -> str:
    """How a user is named to people: the full name, or the username without one."""
    return user.get_full_name() or user.get_username()


def salespeople():
    """The users of the sales group, by username: who may be assigned customers and routes."""
    return get_user_model().objects.filter(groups__name=SALES).order_by("username")


def manager_required(view):
    """A view for managers and admins only; anybody else signed in gets 403 (the login
    middleware has already sent anonymous visitors to the login page)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_manager(request.user):
            raise PermissionDenied(_("Only managers can do this."))
        return view(request, *args, **kwargs)

    return wrapped


def grant_permissions(apps, role: str, permissions: list[str]) -> None:
    """Give `role` the permissions named "app_label.codename" (for data migrations).

    Permissions are normally created after `migrate` finishes; creating them here lets a
    fresh database get its roles in the same `migrate` run.
    """
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=role)
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def revoke_permissions(apps, role: str, permissions: list[str]) -> None:
    """Reverse of grant_permissions, for reversible data migrations."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=role).first()
    if group is None:
        return
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )


def permissions_operation(permissions: dict[str, list[str]]) -> migrations.RunPython:
    """A reversible data-migration operation giving each role its permissions."""

    def grant(apps, schema_editor):
        for role, names in permissions.items():
            grant_permissions(apps, role, names)

    def revoke(apps, schema_editor):
        for role, names in permissions.items():
            revoke_permissions(apps, role, names)

    return migrations.RunPython(grant, revoke)
