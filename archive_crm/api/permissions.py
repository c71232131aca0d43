"""The API's one permission rule, matching the browser's: reading needs a login (which
records a user may see is the selectors' job), writing needs the Django model permission
that the user's role grants."""

from rest_framework.permissions import DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """DjangoModelPermissions for writes; any authenticated user may read.

    A view may name the permissions of its own actions in `action_permissions`, e.g.
    `{"destroy": ["change"], "restore": ["change"]}` where DELETE archives a customer instead
    of deleting it.
    """

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if not hasattr(view, request.method.lower()):
            return True  # no such operation here: the view answers 405
        actions = getattr(view, "action_permissions", {})
        action = getattr(view, "action", None)
        if action not in actions:
            return super().has_permission(request, view)
        opts = self._queryset(view).model._meta
        return request.user.has_perms(
            [f"{opts.app_label}.{codename}_{opts.model_name}" for codename in actions[action]]
        )
