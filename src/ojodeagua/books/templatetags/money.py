"""The ``mxn`` template filter: money as committees write it, from ``ojodeagua.lib.money``."""

from django import template

from ojodeagua.lib.money import mxn

register = template.Library()
register.filter("mxn", mxn)
