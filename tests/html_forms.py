"""What a browser would submit for a page's form, read from the page's HTML."""

from html.parser import HTMLParser

TEXT_INPUTS = {"", "text", "hidden", "number", "date", "email", "url", "tel", "color", "search"}


class _FormReader(HTMLParser):
    """Reads every POST form of a page: `forms` lists (id, data pairs, field names)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str | None, list[tuple[str, str]], list[str]]] = []
        self.inside = False
        self.data: list[tuple[str, str]] = []
        self.names: list[str] = []
        self._select: str | None = None
        self._select_options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self.inside, self.data, self.names = True, [], []
            # A form that posts to the page itself has no action (the top bar's do not).
            own = attrs.get("id") or ("" if "action" not in attrs else None)
            self.forms.append((own, self.data, self.names))
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "").lower()
            self.names.append(name)
            if kind in TEXT_INPUTS:
                self.data.append((name, attrs.get("value") or ""))
            elif kind in {"checkbox", "radio"} and "checked" in attrs:
                self.data.append((name, attrs.get("value") or "on"))
        elif tag == "select" and name:
            self.names.append(name)
            self._select, self._select_options = name, []
        elif tag == "option" and self._select is not None:
            self._select_options.append((attrs.get("value") or "", "selected" in attrs))
        elif tag == "textarea" and name:
            self.names.append(name)
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._select_options if selected]
            # A browser submits the first option of a single select with none selected.
            if not chosen and self._select_options:
                chosen = [self._select_options[0][0]]
            self.data.extend((self._select, value) for value in chosen[:1])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # The HTML parser keeps the newline that browsers drop after <textarea>.
            self.data.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)


def form_as_rendered(html: str, form_id: str | None = None) -> tuple[dict[str, str], list[str]]:
    """The values a browser would post, unchanged, for the page's POST form with id `form_id`
    or else its POST form to the page itself with the most fields (not the top bar's
    language switch or logout), and the names of all its fields (inputs, selects,
    textareas)."""
    reader = _FormReader()
    reader.feed(html)
    forms = [
        form
        for form in reader.forms
        if (form[0] is not None if form_id is None else form[0] == form_id)
    ]
    assert forms, "no such form on the page"
    _id, data, names = max(forms, key=lambda form: len(form[2]))
    return dict(data), names
