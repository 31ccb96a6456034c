"""details settings: upstream's exact-"true" switches and the Books API address."""
from __future__ import annotations

import pytest

from bookinfo_common.settings import ConfigError
from details.config import Config


@pytest.mark.parametrize("value, enabled", [("true", True), ("True", False), ("1", False), ("", False)])
def test_external_book_service_needs_exactly_true(value, enabled):
    assert Config.from_environ({"ENABLE_EXTERNAL_BOOK_SERVICE": value}).external_book_service is enabled


def test_v1_by_default():
    assert Config.from_environ({}).external_book_service is False


@pytest.mark.parametrize("value, url", [
    ("true", "http://www.googleapis.com:80"),
    ("TRUE", "https://www.googleapis.com:443"),
    (None, "https://www.googleapis.com:443"),
])
def test_do_not_encrypt_selects_plain_http_on_port_80(value, url):
    environ = {} if value is None else {"DO_NOT_ENCRYPT": value}
    assert Config.from_environ(environ).books_base_url == url


def test_books_base_url_can_be_overridden():
    config = Config.from_environ({"GOOGLE_BOOKS_BASE_URL": "http://127.0.0.1:1234", "DO_NOT_ENCRYPT": "true"})
    assert config.books_base_url == "http://127.0.0.1:1234"


def test_a_books_base_url_without_scheme_is_a_config_error():
    with pytest.raises(ConfigError, match="GOOGLE_BOOKS_BASE_URL"):
        Config.from_environ({"GOOGLE_BOOKS_BASE_URL": "www.googleapis.com"})
