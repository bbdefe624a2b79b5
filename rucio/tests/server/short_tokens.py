"""Rucio's WSGI application, with userpass (and x509, GSS, SSH) tokens that live
RUCIO_TOKEN_LIFETIME seconds instead of an hour: for tests of token renewal.

Rucio 41.5.1 has no setting for this: the lifetime is the default of the `expired_at` column of
`rucio.db.sqla.models.Token` (`utcnow() + 3600 s`), and `get_auth_token_user_pass` relies on it.
Tokens whose expiry is set explicitly (OIDC, SSH challenges) are left as they are. start.sh serves
this module instead of `rucio.web.rest.flaskapi.v1.main` only when RUCIO_TOKEN_LIFETIME is set.
"""

import datetime
import os

from sqlalchemy import event

from rucio.db.sqla import models

LIFETIME = datetime.timedelta(seconds=int(os.environ["RUCIO_TOKEN_LIFETIME"]))


@event.listens_for(models.Token, "before_insert")
def _short_lived(mapper, connection, token):
    # The column default has not been applied yet: None means "the default lifetime".
    if token.expired_at is None:
        token.expired_at = datetime.datetime.utcnow() + LIFETIME


from rucio.web.rest.flaskapi.v1.main import application  # noqa: E402

__all__ = ["application"]
