"""Defaults the CLI needs before anything heavy is imported (keeps `journaltjek --help` fast)."""

DEFAULT_DB_URL = "sqlite:///journaltjek.db"
DB_URL_ENV = "JOURNALTJEK_DB"
ROLES: tuple[str, ...] = ("reviewer", "researcher", "admin")
