"""Accent- and case-insensitive text matching that works the same on SQLite and PostgreSQL."""

from django.db.models import CharField, Func

ACCENTED = "áàäâãéèëêíìïîóòöôõúùüûñçÁÀÄÂÃÉÈËÊÍÌÏÎÓÒÖÔÕÚÙÜÛÑÇ"
PLAIN = "aaaaaeeeeiiiiooooouuuuncAAAAAEEEEIIIIOOOOOUUUUNC"
_TABLE = str.maketrans(ACCENTED, PLAIN)
SQLITE_FUNCTION = "ojodeagua_fold"


def fold(text: str | None) -> str | None:
    """ "Berriozábal" → "berriozabal": people type names on phones without accents."""
    if text is None:
        return None
    return text.translate(_TABLE).lower()


class Folded(Func):
    """The database-side twin of ``fold()``."""

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # TRANSLATE is built in, so no extension (such as unaccent) has to be installed.
        return self.as_sql(
            compiler,
            connection,
            template=f"LOWER(TRANSLATE(%(expressions)s, '{ACCENTED}', '{PLAIN}'))",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra_context)

    def as_sql(self, compiler, connection, function=None, template=None, **extra_context):
        if template is None and function is None:
            template = "LOWER(%(expressions)s)"
        return super().as_sql(
            compiler, connection, function=function, template=template, **extra_context
        )


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """Give every new SQLite connection the folding function (see WebConfig.ready)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)
