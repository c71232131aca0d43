from django import forms
from django.utils.translation import gettext_lazy as _


class ImportFileForm(forms.Form):
    """The admin's import pages: a file, its format and encoding, and whether to only check
    it. `columns` names the file's columns in the file field's help."""

    file = forms.FileField(label=_("File"))
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("From the file name")), ("csv", "CSV"), ("xlsx", "XLSX")],
        required=False,
    )
    encoding = forms.CharField(
        label=_("Encoding"),
        required=False,
        max_length=40,
        help_text=_("For CSV only; leave empty to detect UTF-8 (with or without BOM) or GB18030."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run"),
        required=False,
        help_text=_("Check the whole file and report, without saving anything."),
    )

    def __init__(self, *args, columns: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("CSV or XLSX: %(columns)s") % {"columns": columns}
