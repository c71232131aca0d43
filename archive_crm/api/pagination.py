from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N`, with `?page_size=` up to 500 for integrations that read in bulk."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
