"""What a service serves and how: the models, the limits, the token and the audit log.

A :class:`ServeConfig` travels to uvicorn's worker processes as JSON in an
environment variable, so that every worker builds the same service on its own.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import DmnError

CONFIG_ENV = "ATC_DMN_SERVE_CONFIG"
TOKEN_ENV = "ATC_DMN_TOKEN"
MAX_BODY = 1024 * 1024  # bytes: a case is well under 1 KB, so a batch of MAX_CASES fits with room
MAX_CASES = 1000
MODEL_SUFFIXES = (".xlsx", ".dmn")


class ServeError(DmnError):
    """The service cannot start as asked: ``option`` names the command-line option at fault."""

    def __init__(self, message: str, option: str = "") -> None:
        self.option = option
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class ServeConfig:
    """The served workbooks (the first is the default model), limits, and where evaluations are audited."""

    models: tuple[str, ...]
    folders: tuple[str, ...] = ()  # --models: a model file that appears in one later is served too
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    audit_log: str | None = None
    max_body: int = MAX_BODY
    max_cases: int = MAX_CASES
    reload: bool = True
    debounce_ms: int = 300
    token_env: str = TOKEN_ENV
    extra: dict[str, str] = field(default_factory=dict)
    # CDS Hooks: the URL clients call the service at (a JWT's aud is checked against it), the trusted
    # issuers' file (service/cds_issuers.py), and the browser origins allowed (none given: any origin).
    public_url: str | None = None
    cds_issuers: str | None = None
    cors_origins: tuple[str, ...] = ()

    @property
    def token(self) -> str | None:
        """The bearer token clients must send, from the environment (never stored in the config itself)."""
        return os.environ.get(self.token_env) or None

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ServeConfig:
        data = json.loads(os.environ[CONFIG_ENV])
        data["models"] = tuple(data["models"])
        data["folders"] = tuple(data.get("folders", ()))
        data["cors_origins"] = tuple(data.get("cors_origins", ()))
        return cls(**data)

    @property
    def cds_open(self) -> bool:
        """CDS Hooks calls are taken without a JWT: on loopback with no issuers configured only."""
        return self.cds_issuers is None and is_loopback(self.host)


def same_identifier(first: str, second: str, identifier: str) -> ServeError:
    """Two served files with one Model identifier: a client could not tell which one answers."""
    return ServeError(
        f"{first} and {second} have the same Model identifier '{identifier}': give each served "
        "workbook its own (Model sheet, Identifier)",
        "--model",
    )


def model_files(paths: tuple[str, ...], folder: str | None) -> tuple[str, ...]:
    """The workbooks to serve: the ``--model`` paths in order, then the model files of ``--models``,
    by name, skipping Excel's ``~$`` and LibreOffice's ``.~lock`` files."""
    found = [str(Path(p).resolve()) for p in paths]
    if folder is not None:
        where = Path(folder)
        if not where.is_dir():
            raise ServeError(f"--models {folder}: not a folder", "--models")
        for path in sorted(where.iterdir()):
            if is_model_file(path) and path.is_file():
                resolved = str(path.resolve())
                if resolved not in found:
                    found.append(resolved)
        if not found:
            raise ServeError(f"--models {folder}: no .xlsx or .dmn file in it", "--models")
    return tuple(found)


def is_model_file(path: Path) -> bool:
    """A workbook or DMN file that ``--models`` serves (not an editor's lock file)."""
    return path.suffix.lower() in MODEL_SUFFIXES and not is_lock_file(path.name)


def is_lock_file(name: str) -> bool:
    """Excel's ``~$name.xlsx`` and LibreOffice's ``.~lock.name.xlsx#`` are not workbooks."""
    return name.startswith("~$") or name.startswith(".~lock.")


def is_loopback(host: str) -> bool:
    """Whether ``host`` accepts connections from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(config: ServeConfig) -> None:
    """Refuse to listen beyond this machine without a bearer token."""
    if not is_loopback(config.host) and not config.token:
        raise ServeError(
            f"--host {config.host} accepts connections from other machines: set a bearer token in "
            f"the {config.token_env} environment variable first (clients then send 'Authorization: Bearer <token>')",
            "--host",
        )


def check_cds(config: ServeConfig) -> None:
    """Refuse CDS Hooks options that cannot work: a JWT's aud needs the public URL beyond loopback."""
    if config.public_url is not None:
        parts = urlsplit(config.public_url)
        secure = parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or ""))
        if not parts.hostname or not secure or parts.query or parts.fragment:
            raise ServeError(
                f"--public-url {config.public_url}: give the https URL clients call the service at, such as "
                "https://cds.example.org (http only to a loopback address), with no query",
                "--public-url",
            )
    if config.cds_issuers is not None and config.public_url is None and not is_loopback(config.host):
        raise ServeError(
            f"--host {config.host} with --cds-issuers: give --public-url too, the URL clients call (behind a proxy "
            "the request's own host is not it); each JWT's aud must be that URL plus the route",
            "--public-url",
        )
    for origin in config.cors_origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            raise ServeError(
                f"--cors-origin {origin}: give an origin, scheme://host[:port] with no path, such as "
                "https://ehr.example.org",
                "--cors-origin",
            )
