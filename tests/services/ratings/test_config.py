"""ratings settings: upstream's variables and our documented fault-mode knobs."""
from __future__ import annotations

import pytest

from bookinfo_common.settings import ConfigError
from ratings.config import Config


def test_defaults():
    config = Config.from_environ({})
    assert config.service_version == "v1"
    assert not config.database_backed
    assert (config.fault_probability, config.delay_seconds) == (0.5, 7.0)
    assert (config.unavailable_period_seconds, config.unhealthy_period_seconds) == (60.0, 900.0)
    assert config.max_stored_products == 1000


def test_database_settings_are_read_for_the_database_engineer():
    config = Config.from_environ({
        "SERVICE_VERSION": "v2", "DB_TYPE": "mysql", "MONGO_DB_URL": "mongodb://m:27017/test",
        "MYSQL_DB_HOST": "h", "MYSQL_DB_PORT": "3307", "MYSQL_DB_USER": "u", "MYSQL_DB_PASSWORD": "p",
    })
    assert config.database_backed
    assert (config.db_type, config.mongo_db_url) == ("mysql", "mongodb://m:27017/test")
    assert (config.mysql_db_host, config.mysql_db_port, config.mysql_db_user, config.mysql_db_password) == \
        ("h", 3307, "u", "p")


def test_a_bad_mysql_port_matters_only_to_v2():
    assert Config.from_environ({"MYSQL_DB_PORT": "x"}).mysql_db_port == 3306
    with pytest.raises(ConfigError, match="MYSQL_DB_PORT"):
        Config.from_environ({"SERVICE_VERSION": "v2", "MYSQL_DB_PORT": "x"})


@pytest.mark.parametrize("name, value", [
    ("RATINGS_FAULT_PROBABILITY", "1.5"), ("RATINGS_FAULT_PROBABILITY", "-0.1"),
    ("RATINGS_DELAY_SECONDS", "soon"), ("RATINGS_UNAVAILABLE_PERIOD_SECONDS", "0"),
    ("RATINGS_UNHEALTHY_PERIOD_SECONDS", "-5"), ("RATINGS_MAX_STORED_PRODUCTS", "0"),
])
def test_bad_knobs_are_config_errors_naming_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        Config.from_environ({name: value})
