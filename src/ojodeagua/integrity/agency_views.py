"""The agency view across committees, and exports of ratings and road maps."""

urlpatterns: list = []
