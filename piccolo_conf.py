"""Picks the database engine from DATABASE_URL: a SQLite file by default, PostgreSQL when set."""

from piccolo.conf.apps import AppRegistry

from models.engine import engine_from_url

DB = engine_from_url()

APP_REGISTRY = AppRegistry(apps=["models.piccolo_app"])
