"""Filter choices limited to what the requesting user can see."""

from ojodeagua.organisations.scope import scope_for


def visible(model):
    """A filter's choices: only rows the requesting user can see."""

    def choices(request):
        if request is None:
            return model.objects.none()
        return scope_for(request.user).visible(model.objects.all())

    return choices
