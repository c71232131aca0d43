from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from archive_crm.pagination import ListPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N`, with `?page_size=` up to 500 for integrations that read in bulk. A page size
    that is not a whole number from 1 to 500 is refused (400), as the schema says, rather
    than quietly replaced by the default (an empty one is the default); a page past the last
    one is a 404. Pages are read as the site's pages are (`ListPaginator`): totally
    ordered, and fast deep into a long list."""

    django_paginator_class = ListPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if not value:
            return self.page_size
        size = int(value) if value.isascii() and value.isdigit() else 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
