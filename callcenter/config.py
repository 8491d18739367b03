"""The one place settings come from: ``CALLCENTER_*`` environment variables, read once at start.

Nothing else in the code base reads ``os.environ``. ``Settings.from_env()`` fails fast with a
:class:`SettingsError` naming the variable and what is wrong with it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from callcenter.errors import CallCenterError

PREFIX = "CALLCENTER_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPEECH_MODES = ("twilio", "vosk")
# Twilio abandons a webhook after 15 s: a database that does not answer must fail well before, so
# the caller still gets an answer (the safe path) in time. Seconds.
DB_LOCK_TIMEOUT = 2.0
DB_STATEMENT_TIMEOUT = 5.0


class SettingsError(CallCenterError):
    """A ``CALLCENTER_*`` variable is missing or malformed."""

    code = "settings"


def _bool(name: str, raw: str) -> bool:
    # Strict on purpose: "false" must never be read as true (the vosk-server bug).
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise SettingsError(f"{PREFIX}{name}={raw!r}: expected true or false")


# The young generation's threshold in a started server (0: Python's own, 700). With a hundred calls
# in progress, each young collection walked every object of every request in flight (most of what
# survives it), every 700 allocations; what a webhook allocates is nearly all freed by reference
# counting, so 50 000 makes young collections rare without holding more memory than a few MB of
# cyclic garbage (docs/performance.md, part 8).
GC_YOUNG = 50_000


def _int(name: str, raw: str, *, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}={raw!r}: expected an integer") from None
    if value < minimum:
        raise SettingsError(f"{PREFIX}{name}={raw!r}: must be at least {minimum}")
    return value


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}={raw!r}: expected a number") from None


def _url(name: str, raw: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.netloc:
        raise SettingsError(f"{PREFIX}{name}={raw!r}: expected an absolute {'/'.join(schemes)} URL")
    return raw.rstrip("/")


def _database_url(raw: str) -> str:
    scheme = raw.split(":", 1)[0]
    base = scheme.split("+", 1)[0]
    if base not in ("sqlite", "postgresql", "postgres"):
        raise SettingsError(
            f"{PREFIX}DATABASE_URL={raw!r}: only sqlite:///PATH and postgresql://... are supported"
        )
    return raw


def _seconds(name: str, raw: str, *, most: float) -> float:
    value = _float(name, raw)
    if not 0 < value <= most:
        raise SettingsError(f"{PREFIX}{name}={raw!r}: expected seconds above 0 and at most {most:g}")
    return value


def _secret_file(name: str, path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(f"{PREFIX}{name}_FILE={path!r}: cannot be read ({exc.strerror})") from None


def _addresses(name: str, raw: str) -> tuple[str, ...]:
    found = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            found.append(str(ipaddress.ip_address(item)))
        except ValueError:
            raise SettingsError(f"{PREFIX}{name}={raw!r}: {item!r} is not an IP address") from None
    return tuple(found)


# A flow's other languages, as Twilio says them (<Say language voice>, <Gather language>).
DEFAULT_VOICES = "en=en-GB:Polly.Amy"


def _voices(raw: str) -> dict[str, tuple[str, str]]:
    """``en=en-GB:Polly.Amy,de=de-DE:Polly.Vicki``: a flow language, Twilio's language, a voice."""
    found: dict[str, tuple[str, str]] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        code, _, rest = item.partition("=")
        language, _, voice = rest.partition(":")
        if len(code.strip()) != 2 or not code.strip().isalpha() or not language.strip() or not voice.strip():
            raise SettingsError(f"{PREFIX}VOICES={raw!r}: expected code=language:voice, e.g. "
                                f"{DEFAULT_VOICES!r}")
        found[code.strip().lower()] = (language.strip(), voice.strip())
    return found


def _phone(name: str, raw: str) -> str:
    number = raw.replace(" ", "")
    if not (number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16):
        raise SettingsError(f"{PREFIX}{name}={raw!r}: expected a number in international form, +33...")
    return number


# Settings that may be given as a file instead (``CALLCENTER_SECRET_KEY_FILE=/run/secrets/...``),
# so secrets come from Docker or systemd secret files rather than the environment.
SECRET_NAMES = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SECRET_KEY", "CALLER_HASH_KEY", "DATABASE_URL",
                "REDIS_URL")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# Retention defaults, in days, after the CNIL's guidance for call centres (docs/operations.md):
# recordings of conversations (here: transcripts and the call's log) at most six months, the
# documents analysing them (notes, routing decisions, triage feedback) at most one year.
RETENTION_CALLS_DAYS = 183
RETENTION_ANALYSES_DAYS = 365
RETENTION_RECEIPTS_DAYS = 2


@dataclass(frozen=True)
class Mode:
    """Whether the server runs for development or production, why, and what production lacks."""

    name: str
    reason: str
    missing: tuple[str, ...] = ()

    @property
    def production(self) -> bool:
        return self.name == "production"


def run_mode(settings: Settings, host: str | None = None) -> Mode:
    """Development when asked (``CALLCENTER_DEV``), or when nothing says this is a real line (no
    public URL, no Twilio credentials) and only this machine can reach the server; production
    otherwise, which needs the public URL and real credentials (never generated ones)."""
    host = host or settings.host
    if settings.dev:
        return Mode("development", f"{PREFIX}DEV is set")
    given = [n for n in ("PUBLIC_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if n in settings.given]
    loopback = host in LOOPBACK_HOSTS
    if not given and loopback:
        return Mode("development", f"no public URL or Twilio credentials set, and listening on {host} only")
    reason = (f"{', '.join(PREFIX + n for n in given)} set" if given
              else f"listening on {host}, reachable from other machines")
    missing = tuple(PREFIX + n for n in ("PUBLIC_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SECRET_KEY")
                    if n not in settings.given)
    return Mode("production", reason, missing)


def _dev_secrets(data_dir: Path) -> dict[str, str]:
    """Credentials generated once for a development install, so a first run needs no Twilio account.

    The server and the call simulator started from the same folder read the same file, so the
    simulator can sign its webhooks exactly as Twilio would with a real auth token.
    """
    path = data_dir / "dev-secrets.json"
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    values = {
        "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "SECRET_KEY": secrets.token_urlsafe(32),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, indent=2), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return values


@dataclass(frozen=True)
class KbCheckSettings:
    """What ``callcenter kb check`` and the supervisors' KB page ask of the knowledge base's claims.

    Read apart from :class:`Settings` so the command needs no server credentials.
    """

    # Every entry must list its claims (docs/knowledge-base.md).
    require_claims: bool = True
    # A claim checked longer ago than this is a fault.
    max_age_days: int = 365
    # Days rules changed besides 1 January, 1 April, 1 July and 1 October (a budget law's
    # publication): claims checked before them are to be re-checked.
    change_dates: tuple[date, ...] = ()
    # Local copy of service-public.fr's feed (zip or folder) for the supervisors' KB page; the
    # operator refreshes it weekly (docs/knowledge-base.md). A missing file is said on the page.
    feed: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KbCheckSettings:
        env = dict(os.environ if environ is None else environ)
        require = _bool("KB_REQUIRE_CLAIMS", env.get(PREFIX + "KB_REQUIRE_CLAIMS") or "true")
        age = _int("KB_MAX_AGE_DAYS", env.get(PREFIX + "KB_MAX_AGE_DAYS") or "365", minimum=1)
        dates = []
        for raw in (env.get(PREFIX + "KB_CHANGE_DATES") or "").split(","):
            if raw.strip():
                try:
                    dates.append(date.fromisoformat(raw.strip()))
                except ValueError:
                    raise SettingsError(f"{PREFIX}KB_CHANGE_DATES: {raw.strip()!r} is not a date "
                                        "(YYYY-MM-DD, comma-separated)") from None
        feed = env.get(PREFIX + "KB_FEED")
        return cls(require_claims=require, max_age_days=age, change_dates=tuple(sorted(dates)),
                   feed=Path(feed).resolve() if feed else None)


def _semantic_model(raw: str) -> Path | None:
    """The triage's sentence-encoder model file: "bundled", "off" (None) or a path."""
    if raw.lower() == "bundled":
        from callcenter.triage.semantic import DEFAULT_MODEL_PATH
        return DEFAULT_MODEL_PATH
    if raw.lower() == "off":
        return None
    path = Path(raw).resolve()
    if not path.is_file():
        raise SettingsError(f"{PREFIX}SEMANTIC_MODEL={raw!r}: no such file (or 'off', 'bundled')")
    return path


@dataclass(frozen=True)
class KbSearchSettings:
    """How the knowledge search runs, for the server and for ``callcenter kb search``.

    Read apart from :class:`Settings` so the command needs no server credentials.
    """

    # The semantic check of close answers (docs/knowledge-base.md), with the triage's encoder:
    # None when ``CALLCENTER_KB_SEMANTIC`` is false or the triage's model is off.
    semantic_model: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KbSearchSettings:
        env = dict(os.environ if environ is None else environ)
        if not _bool("KB_SEMANTIC", env.get(PREFIX + "KB_SEMANTIC") or "true"):
            return cls(semantic_model=None)
        return cls(semantic_model=_semantic_model(env.get(PREFIX + "SEMANTIC_MODEL") or "bundled"))


@dataclass(frozen=True)
class Settings:
    """Every setting of the server, immutable once built."""

    database_url: str
    data_dir: Path
    public_url: str | None
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_api_url: str
    twilio_phone_number: str | None
    secret_key: str
    flows_dir: Path
    kb_dir: Path
    triage_rules: Path | None
    # The opening hours of the queues (ivr_flows/hours.yaml by default); None: no hours limit.
    hours_file: Path | None
    flow: str
    flow_reload_seconds: float
    # Freeze the start-up heap out of the garbage collector (callcenter/web/heap.py): no full
    # collection walks it on the event loop during calls.
    gc_freeze: bool
    language: str
    voice: str
    speech: str
    host: str
    port: int
    log_level: str
    redis_url: str | None
    fallback_queue: str
    # Where a caller goes when the database fails: this number is dialled first (a switchboard or
    # a hunt group that rings without us); then, or without one, Twilio's queue ``fallback_queue``,
    # which its callers leave by themselves once the database answers again (docs/operations.md).
    fallback_number: str | None = None
    # After the freeze: the young generation's threshold of the garbage collector (allocations
    # between two young collections; 0: Python's own, 700). callcenter/web/heap.py.
    gc_young: int = GC_YOUNG
    # Waiting for a database lock (SQLite busy timeout, PostgreSQL lock_timeout), and for any one
    # statement (PostgreSQL statement_timeout; also a call's turn in this process), in seconds.
    db_lock_timeout: float = DB_LOCK_TIMEOUT
    db_statement_timeout: float = DB_STATEMENT_TIMEOUT
    tick_seconds: float = 1.0
    # How often open queue entries are checked against their line (Twilio's call status, a browser
    # phone's socket), and how old an entry must be to be checked (0: never reconciled).
    reconcile_seconds: float = 60.0
    reconcile_after: float = 120.0
    offer_timeout: float = 20.0
    wrapup_seconds: float = 60.0
    relax_skill_after: float = 0.0
    relax_anyone_after: float = 180.0
    # The wait announced to callers comes from the handle times of at most this many calls of
    # their queue, ended within this many hours (docs/routing.md); none: no minutes are said.
    handle_time_calls: int = 20
    handle_time_hours: float = 2.0
    dev_credentials: bool = False
    # CALLCENTER_DEV: development mode whatever else is set (run_mode).
    dev: bool = False
    # The settings given by the operator (not defaulted or generated), without the prefix.
    given: frozenset[str] = frozenset()
    # Key of the callers' number hashes; derived from the secret key unless given.
    caller_hash_secret: str = ""
    retention_calls_days: int = RETENTION_CALLS_DAYS
    retention_analyses_days: int = RETENTION_ANALYSES_DAYS
    retention_receipts_days: int = RETENTION_RECEIPTS_DAYS
    # How often the server purges what is past its retention (0: never; run the CLI instead).
    purge_interval_hours: float = 24.0
    # The semantic triage model file; None runs the triage on its rules alone.
    semantic_model: Path | None = None
    kb_check: KbCheckSettings = field(default_factory=KbCheckSettings)
    kb_search: KbSearchSettings = field(default_factory=KbSearchSettings)
    # Rate limits (docs/operations.md): failed logins per user name and per address within the
    # lockout window; requests per minute and address to the public pages; proxies whose
    # X-Forwarded-For names the client.
    login_max_failures: int = 5
    login_lockout_seconds: float = 300.0
    address_max_failures: int = 20
    public_rate_per_minute: int = 120
    trusted_proxies: tuple[str, ...] = ()
    # How often each process looks for a newly approved or rolled-back knowledge-base entry.
    kb_reload_seconds: float = 2.0
    # Callbacks (docs/routing.md, « Rappels »): tries after the first call nobody took, minutes
    # between tries, and how often due callbacks are looked for (once across the cluster).
    callback_retries: int = 2
    callback_retry_minutes: float = 30.0
    callback_check_seconds: float = 15.0
    # The voices of a flow's other languages: code -> (Twilio language, voice) (CALLCENTER_VOICES).
    voices: Mapping[str, tuple[str, str]] = field(default_factory=lambda: _voices(DEFAULT_VOICES))
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def caller_hash_key(self) -> bytes:
        """The HMAC key of caller numbers. Changing it (or the secret key it derives from) makes
        earlier calls unmatchable: repeat callers are then seen as new until the old calls go."""
        if self.caller_hash_secret:
            return self.caller_hash_secret.encode()
        return hmac.new(self.secret_key.encode(), b"callcenter caller numbers", hashlib.sha256).digest()

    @property
    def callback_base(self) -> str:
        """Absolute base URL for callbacks Twilio must reach (REST-created legs need one)."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (``os.environ`` by default), failing fast."""
        env = dict(os.environ if environ is None else environ)

        def get(name: str, default: str | None = None) -> str | None:
            value = env.get(PREFIX + name)
            if (value is None or value == "") and name in SECRET_NAMES and env.get(PREFIX + name + "_FILE"):
                value = _secret_file(name, env[PREFIX + name + "_FILE"])
            return default if value is None or value == "" else value

        data_dir = Path(get("DATA_DIR", str(Path.cwd() / "var")) or "var").resolve()
        database_url = _database_url(
            get("DATABASE_URL") or f"sqlite:///{data_dir / 'callcenter.db'}"
        )
        public_url = get("PUBLIC_URL")
        if public_url is not None:
            public_url = _url("PUBLIC_URL", public_url, ("http", "https"))

        sid, token, secret = get("TWILIO_ACCOUNT_SID"), get("TWILIO_AUTH_TOKEN"), get("SECRET_KEY")
        require = _bool("REQUIRE_CREDENTIALS", get("REQUIRE_CREDENTIALS", "false") or "false")
        dev = not (sid and token and secret)
        if dev and require:
            missing = [n for n, v in (("TWILIO_ACCOUNT_SID", sid), ("TWILIO_AUTH_TOKEN", token),
                                      ("SECRET_KEY", secret)) if not v]
            raise SettingsError(
                "missing " + ", ".join(PREFIX + n for n in missing)
                + f" (required because {PREFIX}REQUIRE_CREDENTIALS=true)"
            )
        if dev:
            generated = _dev_secrets(data_dir)
            sid = sid or generated["TWILIO_ACCOUNT_SID"]
            token = token or generated["TWILIO_AUTH_TOKEN"]
            secret = secret or generated["SECRET_KEY"]
        assert sid and token and secret
        if not sid.startswith("AC") or len(sid) != 34:
            raise SettingsError(f"{PREFIX}TWILIO_ACCOUNT_SID: expected 'AC' followed by 32 characters")

        speech = (get("SPEECH", "twilio") or "twilio").lower()
        if speech not in SPEECH_MODES:
            raise SettingsError(f"{PREFIX}SPEECH={speech!r}: expected one of {', '.join(SPEECH_MODES)}")

        flows_dir = Path(get("FLOWS_DIR", str(PROJECT_ROOT / "ivr_flows")) or "").resolve()
        if not flows_dir.is_dir():
            raise SettingsError(f"{PREFIX}FLOWS_DIR={str(flows_dir)!r}: not a directory")

        kb_dir = Path(get("KB_DIR", str(PROJECT_ROOT / "knowledge_base")) or "").resolve()
        rules = get("TRIAGE_RULES")
        triage_rules = Path(rules).resolve() if rules else None
        if triage_rules is not None and not triage_rules.is_file():
            raise SettingsError(f"{PREFIX}TRIAGE_RULES={rules!r}: no such file")

        semantic_model = _semantic_model(get("SEMANTIC_MODEL", "bundled") or "bundled")
        hours = get("HOURS_FILE")
        hours_path = (Path(hours) if hours else flows_dir / "hours.yaml").resolve()
        if hours and not hours_path.is_file():
            raise SettingsError(f"{PREFIX}HOURS_FILE={hours!r}: no such file")
        hours_file = hours_path if hours_path.is_file() else None

        handle_hours = _float("HANDLE_TIME_HOURS", get("HANDLE_TIME_HOURS", "2") or "2")
        if handle_hours <= 0:
            raise SettingsError(f"{PREFIX}HANDLE_TIME_HOURS={handle_hours!r}: must be positive")

        redis_url = get("REDIS_URL")
        if redis_url is not None:
            redis_url = _url("REDIS_URL", redis_url, ("redis", "rediss"))

        log_level = (get("LOG_LEVEL", "INFO") or "INFO").upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise SettingsError(f"{PREFIX}LOG_LEVEL={log_level!r}: expected DEBUG, INFO, WARNING or ERROR")

        known = {PREFIX + n for n in (
            "DATA_DIR", "DATABASE_URL", "PUBLIC_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
            "TWILIO_API_URL", "TWILIO_PHONE_NUMBER", "SECRET_KEY", "FLOWS_DIR", "FLOW",
            "FLOW_RELOAD_SECONDS", "LANGUAGE", "VOICE", "VOICES", "SPEECH", "HOST", "PORT", "LOG_LEVEL",
            "REDIS_URL", "FALLBACK_QUEUE", "REQUIRE_CREDENTIALS", "TICK_SECONDS", "OFFER_TIMEOUT",
            "RECONCILE_SECONDS", "RECONCILE_AFTER",
            "WRAPUP_SECONDS", "KB_DIR", "TRIAGE_RULES", "RELAX_SKILL_AFTER", "RELAX_ANYONE_AFTER",
            "SEMANTIC_MODEL", "HOURS_FILE", "HANDLE_TIME_CALLS", "HANDLE_TIME_HOURS",
            "FALLBACK_NUMBER", "DB_LOCK_TIMEOUT", "DB_STATEMENT_TIMEOUT", "DEV", "CALLER_HASH_KEY",
            "RETENTION_CALLS_DAYS", "RETENTION_ANALYSES_DAYS", "RETENTION_RECEIPTS_DAYS",
            "PURGE_INTERVAL_HOURS",
            "KB_REQUIRE_CLAIMS", "KB_MAX_AGE_DAYS", "KB_CHANGE_DATES", "KB_FEED", "LOGIN_MAX_FAILURES",
            "LOGIN_LOCKOUT_SECONDS", "ADDRESS_MAX_FAILURES", "PUBLIC_RATE_PER_MINUTE", "TRUSTED_PROXIES",
            "KB_RELOAD_SECONDS", "KB_SEMANTIC", "CALLBACK_RETRIES", "CALLBACK_RETRY_MINUTES", "CALLBACK_CHECK_SECONDS",
            "GC_FREEZE", "GC_YOUNG",
        )}
        known |= {PREFIX + n + "_FILE" for n in SECRET_NAMES}
        given = frozenset(n for n in ("PUBLIC_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SECRET_KEY",
                                      "CALLER_HASH_KEY") if get(n))
        purge_hours = _float("PURGE_INTERVAL_HOURS", get("PURGE_INTERVAL_HOURS", "24") or "24")
        if purge_hours < 0:
            raise SettingsError(f"{PREFIX}PURGE_INTERVAL_HOURS={purge_hours!r}: must be 0 (never) or more")
        fallback_number = get("FALLBACK_NUMBER")
        # Both bounds together must leave a webhook time to answer within Twilio's 15 s.
        lock_timeout = _seconds("DB_LOCK_TIMEOUT", get("DB_LOCK_TIMEOUT", str(DB_LOCK_TIMEOUT)) or "", most=5)
        statement_timeout = _seconds("DB_STATEMENT_TIMEOUT",
                                     get("DB_STATEMENT_TIMEOUT", str(DB_STATEMENT_TIMEOUT)) or "", most=8)
        extra = {k: v for k, v in env.items() if k.startswith(PREFIX) and k not in known}

        return cls(
            database_url=database_url,
            data_dir=data_dir,
            public_url=public_url,
            twilio_account_sid=sid,
            twilio_auth_token=token,
            twilio_api_url=_url("TWILIO_API_URL", get("TWILIO_API_URL", "https://api.twilio.com")
                                or "", ("http", "https")),
            twilio_phone_number=get("TWILIO_PHONE_NUMBER"),
            secret_key=secret,
            flows_dir=flows_dir,
            kb_dir=kb_dir,
            triage_rules=triage_rules,
            hours_file=hours_file,
            flow=get("FLOW", "main") or "main",
            flow_reload_seconds=_float("FLOW_RELOAD_SECONDS", get("FLOW_RELOAD_SECONDS", "2") or "2"),
            gc_freeze=_bool("GC_FREEZE", get("GC_FREEZE", "true") or "true"),
            gc_young=_int("GC_YOUNG", get("GC_YOUNG", str(GC_YOUNG)) or str(GC_YOUNG)),
            kb_reload_seconds=_float("KB_RELOAD_SECONDS", get("KB_RELOAD_SECONDS", "2") or "2"),
            language=get("LANGUAGE", "fr-FR") or "fr-FR",
            voice=get("VOICE", "Polly.Lea") or "Polly.Lea",
            voices=_voices(get("VOICES", DEFAULT_VOICES) or DEFAULT_VOICES),
            speech=speech,
            host=get("HOST", "127.0.0.1") or "127.0.0.1",
            port=_int("PORT", get("PORT", "8080") or "8080", minimum=0),
            log_level=log_level,
            redis_url=redis_url,
            fallback_queue=get("FALLBACK_QUEUE", "accueil") or "accueil",
            fallback_number=None if fallback_number is None else _phone("FALLBACK_NUMBER", fallback_number),
            db_lock_timeout=lock_timeout,
            db_statement_timeout=statement_timeout,
            tick_seconds=_float("TICK_SECONDS", get("TICK_SECONDS", "1") or "1"),
            reconcile_seconds=_float("RECONCILE_SECONDS", get("RECONCILE_SECONDS", "60") or "60"),
            reconcile_after=_float("RECONCILE_AFTER", get("RECONCILE_AFTER", "120") or "120"),
            offer_timeout=_float("OFFER_TIMEOUT", get("OFFER_TIMEOUT", "20") or "20"),
            wrapup_seconds=_float("WRAPUP_SECONDS", get("WRAPUP_SECONDS", "60") or "60"),
            relax_skill_after=_float("RELAX_SKILL_AFTER", get("RELAX_SKILL_AFTER", "0") or "0"),
            relax_anyone_after=_float("RELAX_ANYONE_AFTER", get("RELAX_ANYONE_AFTER", "180") or "180"),
            handle_time_calls=_int("HANDLE_TIME_CALLS", get("HANDLE_TIME_CALLS", "20") or "20", minimum=1),
            handle_time_hours=handle_hours,
            dev_credentials=dev,
            dev=_bool("DEV", get("DEV", "false") or "false"),
            given=given,
            caller_hash_secret=get("CALLER_HASH_KEY", "") or "",
            retention_calls_days=_int("RETENTION_CALLS_DAYS", get("RETENTION_CALLS_DAYS", str(RETENTION_CALLS_DAYS))
                                      or "", minimum=1),
            retention_analyses_days=_int("RETENTION_ANALYSES_DAYS",
                                         get("RETENTION_ANALYSES_DAYS", str(RETENTION_ANALYSES_DAYS)) or "",
                                         minimum=1),
            retention_receipts_days=_int("RETENTION_RECEIPTS_DAYS",
                                         get("RETENTION_RECEIPTS_DAYS", str(RETENTION_RECEIPTS_DAYS)) or "",
                                         minimum=1),
            purge_interval_hours=purge_hours,
            semantic_model=semantic_model,
            kb_check=KbCheckSettings.from_env(env),
            kb_search=KbSearchSettings.from_env(env),
            login_max_failures=_int("LOGIN_MAX_FAILURES", get("LOGIN_MAX_FAILURES", "5") or "5", minimum=1),
            login_lockout_seconds=_seconds("LOGIN_LOCKOUT_SECONDS",
                                           get("LOGIN_LOCKOUT_SECONDS", "300") or "", most=86400),
            address_max_failures=_int("ADDRESS_MAX_FAILURES", get("ADDRESS_MAX_FAILURES", "20") or "20",
                                      minimum=1),
            public_rate_per_minute=_int("PUBLIC_RATE_PER_MINUTE", get("PUBLIC_RATE_PER_MINUTE", "120") or "120",
                                        minimum=1),
            trusted_proxies=_addresses("TRUSTED_PROXIES", get("TRUSTED_PROXIES", "") or ""),
            callback_retries=_int("CALLBACK_RETRIES", get("CALLBACK_RETRIES", "2") or "2", minimum=0),
            callback_retry_minutes=_float("CALLBACK_RETRY_MINUTES", get("CALLBACK_RETRY_MINUTES", "30") or "30"),
            callback_check_seconds=_float("CALLBACK_CHECK_SECONDS", get("CALLBACK_CHECK_SECONDS", "15") or "15"),
            extra=extra,
        )
