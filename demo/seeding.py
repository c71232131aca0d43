"""Demo data for trying Archive CRM. Every function is idempotent: running the seed again
leaves the same data, it never duplicates."""

import os
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.roles import MANAGER, SALES

# Demo users only; a real installation creates its own users.
DEFAULT_PASSWORD = "archive-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None  # None: superuser


DEMO_USERS = (
    DemoUser("admin", "Admin", "", None),
    DemoUser("manager", "敏", "张", MANAGER),
    DemoUser("sales1", "伟", "王", SALES),
    DemoUser("sales2", "娜", "李", SALES),
)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def seed_users(*, password: str) -> list:
    """Create or reset the demo users, one per role, all with `password`."""
    User = get_user_model()
    users = []
    for demo in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=demo.username)
        user.first_name = demo.first_name
        user.last_name = demo.last_name
        user.email = f"{demo.username}@example.com"
        user.is_superuser = user.is_staff = demo.role is None
        user.is_active = True
        user.set_password(password)
        user.save()
        if demo.role:
            group, _ = Group.objects.get_or_create(name=demo.role)
            user.groups.set([group])
        users.append(user)
    return users
