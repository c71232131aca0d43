"""Messages of Django and of the third-party apps that the project translates itself.

The project's catalogue (`LOCALE_PATHS`) is read before Django's and the apps' own, so its
entry for the same msgid replaces theirs: here for Chinese that is missing (the admin's
table headings), garbled (django-import-export's "某些行验数据证失败") or stiff (Django's
"具有 客户编码 的 客户 已存在。", "确保该变量包含不超过 200 字符"). `make messages` keeps
only the msgids it finds in the project's code, so they are marked here; the strings are
exactly those of the packages, and their Chinese is in `locale/`.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

OVERRIDDEN = (
    # Django: model and form validation.
    gettext_noop("%(model_name)s with this %(field_label)s already exists."),
    gettext_noop("%(model_name)s with this %(field_labels)s already exists."),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a whole number."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        "max",
    ),
    # Django's admin: the headings of the index's tables, without Chinese in Django 5.2.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # django-import-export's admin pages.
    gettext_noop("Some rows failed to validate"),
    gettext_noop(
        "Please correct these errors in your data where possible, then reupload it using "
        "the form above."
    ),
    gettext_noop("Non field specific"),
    gettext_noop(
        "%(exc_name)s encountered while trying to read file. Ensure you have chosen the "
        "correct format for the file."
    ),
    gettext_noop(
        "No valid data to import. Ensure your file has the correct headers or data for import."
    ),
    gettext_noop("Value could not be parsed."),
    gettext_noop("Select all"),
    gettext_noop("Resource"),
    gettext_noop('Select at least 1 field for "%(resource_name)s" to export'),
    ngettext_lazy("Export %(len)s selected item.", "Export %(len)s selected items.", "len"),
    # django-axes's admin (sign-in failures and lockouts).
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)
