"""API pagination: 100 rows a page by default, up to 1,000 with ?page_size=."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
