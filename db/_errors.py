"""The db package's exceptions; monitor translates them at its boundary."""


class StorageError(Exception):
    """Base of every error the db package raises."""


class SchemaError(StorageError):
    """The database file was written by a newer version, or is not a press-monitor database."""


class NotFound(StorageError):
    """No row with the requested id."""
