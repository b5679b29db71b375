"""Picks the database engine from DATABASE_URL: a SQLite file by default, PostgreSQL when set."""

from typing import Any

from models.engine import engine_from_url

DB = engine_from_url()


def __getattr__(name: str) -> Any:
    """APP_REGISTRY, built when Piccolo's commands (migrations) first ask for it: its module
    imports a code formatter that serving and exporting never need."""
    if name == "APP_REGISTRY":
        from piccolo.conf.apps import AppRegistry

        registry = globals()["APP_REGISTRY"] = AppRegistry(apps=["models.piccolo_app"])
        return registry
    raise AttributeError(name)
