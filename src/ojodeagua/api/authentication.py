"""API sign-in with a device key (``Authorization: Token oda_…``), checked by the keys' service.

It keeps DRF's header handling and the ``Token`` keyword the API has always used, and hands the
key to ``organisations.tokens``: a key unknown, withdrawn or expired answers 401 with a Spanish
message saying why.
"""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from ojodeagua.organisations import tokens


class DeviceTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):
        try:
            token = tokens.authenticate(key)
        except tokens.TokenRefused as refused:
            raise AuthenticationFailed(refused.message) from refused
        return token.user, token
