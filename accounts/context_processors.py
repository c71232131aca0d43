from accounts.roles import is_manager, is_sales


def roles(request):
    """`is_manager` and `is_sales` for templates (the navigation shows each role its pages)."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "is_manager": signed_in and is_manager(user),
        "is_sales": signed_in and is_sales(user),
    }
