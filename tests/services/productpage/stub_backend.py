"""The stub server standing in for details, reviews and ratings at once, and their
canned answers.

productpage is pointed at it with DETAILS_/REVIEWS_/RATINGS_HOSTNAME=127.0.0.1 and the
stub's port; the request path tells the three apart.
"""
from __future__ import annotations

from tests.support.stub_server import Reply, StubServer

DETAILS_0 = (b'{"id":0,"author":"William Shakespeare","year":1595,"type":"paperback","pages":200,'
             b'"publisher":"PublisherA","language":"English","ISBN-10":"1234567890",'
             b'"ISBN-13":"123-1234567890"}')
RATINGS_0 = b'{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}'
TEXT1 = "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"
TEXT2 = ("Absolutely fun and entertaining. The play lacks thematic depth when compared to other "
         "plays by Shakespeare.")


def reviews_body(pod: str = "reviews-v1-abc", cluster: str = "null", rating1: str = "",
                 rating2: str = "") -> bytes:
    """A reviews answer spelled exactly as upstream's string concatenation spells it."""
    return ('{"id": "0","podname": "%s","clustername": "%s","reviews": [{  "reviewer": "Reviewer1",'
            '  "text": "%s"%s},{  "reviewer": "Reviewer2",  "text": "%s"%s}]}'
            % (pod, cluster, TEXT1, rating1, TEXT2, rating2)).encode()


def stars(n: int, color: str) -> str:
    return ', "rating": {"stars": %d, "color": "%s"}' % (n, color)


RATING_ERROR = ', "rating": {"error": "Ratings service is currently unavailable"}'
REVIEWS_V1 = reviews_body()
REVIEWS_V2 = reviews_body("reviews-v2-abc", rating1=stars(5, "black"), rating2=stars(4, "black"))
REVIEWS_V3 = reviews_body("reviews-v3-abc", rating1=stars(5, "red"), rating2=stars(4, "red"))
REVIEWS_RATINGS_DOWN = reviews_body("reviews-v3-abc", rating1=RATING_ERROR, rating2=RATING_ERROR)


class StubBackend(StubServer):
    """The stub server as details, reviews and ratings at once (one port, told apart by path)."""

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    @property
    def env(self) -> dict[str, str]:
        """The environment that points productpage at this stub."""
        env = {}
        for service in ("DETAILS", "REVIEWS", "RATINGS"):
            env[f"{service}_HOSTNAME"] = "127.0.0.1"
            env[f"{service}_SERVICE_PORT"] = str(self.port)
        return env

    def reset(self) -> None:
        """Healthy details v1, reviews v1 and ratings v1 for product 0 (404 elsewhere);
        nothing recorded."""
        self.clear()
        self.reply("/details/0", Reply(body=DETAILS_0))
        self.reply("/reviews/0", Reply(body=REVIEWS_V1))
        self.reply("/ratings/0", Reply(body=RATINGS_0))
