"""The committee's books: padrón, tariffs, charges, receipts, cash, deposits, expenses, ledger."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BooksConfig(AppConfig):
    name = "ojodeagua.books"
    label = "books"
    verbose_name = _("Cuentas del comité")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The page and the task queue build a download of the books from the same table.
        from ojodeagua.lib import exports as downloads

        from . import exports

        downloads.register(exports.EXPORT, exports.books_table)
