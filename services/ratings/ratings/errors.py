"""Every failure ratings answers with, one class each, with upstream's status and text.

The handler in ``responses`` renders them as ``{"error": "<message>"}``. The database
package raises the Database* errors from its stores.
"""
from __future__ import annotations

from bookinfo_common.errors import BadRequest, ServiceError, Unavailable


class InvalidProductId(BadRequest):
    """``parseInt`` of the last URL segment is NaN (note the capital "ID", unlike details)."""

    message = "please provide numeric product ID"


class InvalidRatingsJson(BadRequest):
    """A POST body that ``JSON.parse`` would refuse (including an empty one)."""

    message = "please provide valid ratings JSON"


class ServiceUnavailable(Unavailable):
    """A fault mode (v-faulty, v-unavailable, v-unhealthy) declines this request."""

    message = "Service unavailable"


class DatabaseConnectError(ServiceError):
    """ratings v2 could not reach its database."""

    status = 500
    message = "could not connect to ratings database"


class DatabaseQueryError(ServiceError):
    """ratings v2 reached its database but could not read the ratings."""

    status = 500
    message = "could not load ratings from database"


class DatabaseWriteError(ServiceError):
    """ratings v2 reached its database but could not store POSTed ratings.

    Upstream v2 refused every POST with 501; ours stores them, so this failure is new.
    """

    status = 500
    message = "could not store ratings in database"
