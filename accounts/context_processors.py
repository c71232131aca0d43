from accounts.roles import is_manager


def roles(request):
    """`is_manager` for templates (navigation shows managers' pages only to managers)."""
    user = getattr(request, "user", None)
    return {"is_manager": bool(user and is_manager(user))}
