"""``{% outbox_key %}``: the one key of a form's local draft and of its waiting saves."""

from django import template

from ojodeagua.lib.outbox import outbox_key as make_key

register = template.Library()


@register.simple_tag
def outbox_key(scope: str, **about) -> str:
    """``{% outbox_key "integrity" cycle=cycle.pk risk=entry.key participant=person.pk %}``."""
    return make_key(scope, **about)
