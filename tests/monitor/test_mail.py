"""Mailing over a real SMTP server on loopback (aiosmtpd): the message, STARTTLS, AUTH, implicit
TLS, and every failure as one line; then the digest (`--send`, the scheduled job) and the alert."""

from __future__ import annotations

import email
import email.policy
import logging
import shutil
import socket
import ssl
import subprocess
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from testkit import NEWS_TEST, NEWS_TEST_FEED, entity_block, mini_config

import db as store
from monitor.analyse import Analyser
from monitor.cli import main
from monitor.config import Config, SmtpConfig, parse_config
from monitor.digest import ALERT, SINCE_LAST, last_sent, send_alerts
from monitor.mail import MailError, compose_mail, send_mail, smtp_password
from monitor.periods import KST
from monitor.schedule import ScheduleDeps, ScheduledJobs
from nlp.kiwi import Kiwi
from scrapers import FetchSettings
from scrapers.fetch import Fetcher

USER, PASSWORD = "monitor", "s3cret pass!"
NOW = datetime(2024, 11, 27, 18, 30, tzinfo=KST)


# --- the loopback server --------------------------------------------------------------------------


@dataclass
class Inbox:
    """What the server received, and which recipients it refuses."""

    refuse: set[str] = field(default_factory=set)
    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 accepted"


def _authenticate(
    server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (USER, PASSWORD)
    # handled=False: the server itself answers a failure with 535.
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running loopback SMTP server."""

    port: int
    inbox: Inbox


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (made with openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the TLS tests")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


ServerFactory = Callable[..., Server]


@pytest.fixture
def smtp_server() -> Iterator[ServerFactory]:
    """Start loopback SMTP servers: plain, with STARTTLS, implicit TLS and/or AUTH."""
    controllers: list[Controller] = []

    def start(
        *,
        auth: bool = False,
        tls: tuple[Path, Path] | None = None,
        implicit_tls: bool = False,
        refuse: set[str] | None = None,
    ) -> Server:
        inbox = Inbox(refuse=refuse or set())
        context = None
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
        port = _free_port()
        kwargs: dict[str, Any] = {}
        if auth:
            # aiosmtpd counts only STARTTLS as TLS: under implicit TLS it must not insist.
            kwargs.update(
                authenticator=_authenticate, auth_require_tls=tls is not None and not implicit_tls
            )
        if context is not None and implicit_tls:
            kwargs["ssl_context"] = context
        elif context is not None:
            kwargs.update(tls_context=context, require_starttls=True)
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        return Server(port, inbox)

    yield start
    for controller in controllers:
        controller.stop()


def _settings(port: int, **overrides: Any) -> SmtpConfig:
    values: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "recipients": ("team@goyang.test", "chief@goyang.test"),
        "sender": "monitor@goyang.test",
        "starttls": False,
        "timeout_s": 10.0,
    }
    values.update(overrides)
    return SmtpConfig(**values)


def _message(settings: SmtpConfig) -> EmailMessage:
    return compose_mail(
        subject="[언론 모니터링] 2024-11-27 브리핑: 기사 3건",
        text="본문 텍스트",
        html="<p>본문 &amp; HTML</p>",
        sender=settings.sender,
        recipients=settings.recipients,
        now=NOW,
    )


# --- mail.py --------------------------------------------------------------------------------------


def test_message_is_multipart_alternative_with_korean_subject(smtp_server: ServerFactory) -> None:
    server = smtp_server(auth=False)
    settings = _settings(server.port)
    outcome = send_mail(settings, _message(settings), password=None)
    assert outcome.accepted == settings.recipients and outcome.refused == ()
    ((sender, recipients, received),) = server.inbox.messages
    assert (sender, recipients) == ("monitor@goyang.test", list(settings.recipients))
    assert received["Subject"] == "[언론 모니터링] 2024-11-27 브리핑: 기사 3건"
    raw = received.as_bytes()
    assert b"=?utf-8?" in raw.lower()  # RFC 2047 on the wire, not raw UTF-8 in the header
    assert received["Message-ID"] == outcome.message_id and "@goyang.test>" in outcome.message_id
    assert received["Date"] is not None and received["Date"].datetime == NOW
    assert received.get_content_type() == "multipart/alternative"
    parts = {
        p.get_content_type(): p.get_content().replace("\r\n", "\n") for p in received.iter_parts()
    }
    assert parts == {"text/plain": "본문 텍스트\n", "text/html": "<p>본문 &amp; HTML</p>\n"}
    assert {p.get_content_charset() for p in received.iter_parts()} == {"utf-8"}


def test_login_over_starttls_with_a_private_ca(
    smtp_server: ServerFactory, certificate: tuple[Path, Path]
) -> None:
    server = smtp_server(auth=True, tls=certificate)
    settings = _settings(server.port, starttls=True, user=USER, ca_file=certificate[0])
    send_mail(settings, _message(settings), password=PASSWORD)
    assert len(server.inbox.messages) == 1


def test_implicit_tls(smtp_server: ServerFactory, certificate: tuple[Path, Path]) -> None:
    server = smtp_server(auth=True, tls=certificate, implicit_tls=True)
    settings = _settings(server.port, ssl=True, user=USER, ca_file=certificate[0])
    send_mail(settings, _message(settings), password=PASSWORD)
    assert len(server.inbox.messages) == 1


def test_an_untrusted_certificate_is_refused(
    smtp_server: ServerFactory, certificate: tuple[Path, Path]
) -> None:
    server = smtp_server(tls=certificate)
    settings = _settings(server.port, starttls=True)  # the system CAs do not know it
    with pytest.raises(MailError, match=r"^TLS with SMTP server 127\.0\.0\.1:\d+ failed: .*cert"):
        send_mail(settings, _message(settings), password=None)
    assert server.inbox.messages == []


def test_starttls_wanted_but_not_offered(smtp_server: ServerFactory) -> None:
    server = smtp_server()
    settings = _settings(server.port, starttls=True)
    with pytest.raises(MailError, match="does not offer STARTTLS"):
        send_mail(settings, _message(settings), password=None)


def test_a_wrong_password_is_one_line(smtp_server: ServerFactory) -> None:
    server = smtp_server(auth=True)
    settings = _settings(server.port, user=USER)
    with pytest.raises(MailError) as caught:
        send_mail(settings, _message(settings), password="wrong")
    assert str(caught.value).startswith(
        f"SMTP login as {USER} on 127.0.0.1:{server.port} refused: 535"
    )
    assert "\n" not in str(caught.value)


def test_a_non_ascii_password_is_one_line(smtp_server: ServerFactory) -> None:
    server = smtp_server(auth=True)
    settings = _settings(server.port, user=USER)
    with pytest.raises(MailError, match="non-ASCII characters"):
        send_mail(settings, _message(settings), password="비밀번호")


def test_a_missing_password_names_the_variable() -> None:
    settings = _settings(25, user=USER, password_env="PM_TEST_SMTP_PW")
    with pytest.raises(MailError, match="set the environment variable PM_TEST_SMTP_PW"):
        smtp_password(settings, {})
    assert smtp_password(settings, {"PM_TEST_SMTP_PW": "x"}) == "x"
    assert smtp_password(_settings(25), {}) is None  # no login configured


def test_connection_refused_is_one_line() -> None:
    port = _free_port()  # nothing listens there
    settings = _settings(port)
    with pytest.raises(MailError) as caught:
        send_mail(settings, _message(settings), password=None)
    assert (
        str(caught.value) == f"cannot connect to SMTP server 127.0.0.1:{port}: connection refused"
    )


def test_a_refused_recipient_is_reported_and_the_others_get_it(smtp_server: ServerFactory) -> None:
    server = smtp_server(refuse={"chief@goyang.test"})
    settings = _settings(server.port)
    outcome = send_mail(settings, _message(settings), password=None)
    assert outcome.accepted == ("team@goyang.test",)
    assert outcome.refused == (("chief@goyang.test", "550 5.1.1 no such mailbox here"),)
    assert outcome.describe() == (
        "sent to 1 of 2 recipients; refused: chief@goyang.test (550 5.1.1 no such mailbox here)"
    )
    assert [r for _, r, _ in server.inbox.messages] == [["team@goyang.test"]]


def test_every_recipient_refused_is_an_error(smtp_server: ServerFactory) -> None:
    server = smtp_server(refuse={"team@goyang.test", "chief@goyang.test"})
    settings = _settings(server.port)
    with pytest.raises(MailError, match=r"every recipient was refused: team@goyang\.test \(550"):
        send_mail(settings, _message(settings), password=None)


# --- the digest and the alert through the server --------------------------------------------------

CONFIG = mini_config(
    entity_block("itv", "일산테크노밸리"), source=NEWS_TEST_FEED, outlets=(NEWS_TEST,)
) + (
    """
[digest]
out_dir = "digests"
{digest}

[smtp]
host = "127.0.0.1"
port = {port}
starttls = false
user = "{user}"
from = "monitor@goyang.test"
recipients = ["team@goyang.test", "chief@goyang.test"]
password_env = "PM_TEST_SMTP_PW"
"""
)
ENV = {"PM_TEST_SMTP_PW": PASSWORD}


def _config(tmp_path: Path, port: int, digest: str = "", user: str = USER) -> Config:
    text = CONFIG.format(port=port, digest=digest, user=user)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return parse_config(tomllib.loads(text), path)


def _store(
    database: sqlite_utils.Database,
    n: int,
    *,
    tone: str = "negative",
    collected_at: str = "2024-11-27T18:00:00+09:00",
    published_date: str = "2024-11-27",
    title: str | None = None,
    story_id: int | None = None,
) -> int:
    article_id, _ = store.save_article(
        database,
        store.ArticleRecord(
            url=f"https://news.test/{n}",
            title=title or f"일산테크노밸리 <착공> 지연 & 논란 {n}",
            body="착공이 미뤄졌다. 주민들이 반발한다.",
            role="coverage",
            method="generic",
            collected_at=collected_at,
            processed_at=collected_at,
            published_at=f"{published_date}T17:00:00+09:00",
            published_date=published_date,
            outlet="테스트일보" if n % 2 else "경기일보",
            tier="local",
            relevant=True,
            topic="infrastructure",
            tone=tone,
            story_id=story_id,
            mentions=(store.MentionRecord("itv", "title", 0, 7, "일산테크노밸리", ""),),
        ),
        None,
        None,
    )
    return article_id


@pytest.fixture
def database(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = store.open_database(tmp_path / "monitor.db")
    yield database
    database.conn.close()


def _cli(config: Config, *args: str, now: datetime = NOW) -> int:
    return main(["--config", str(config.path), *args], environ=dict(ENV), clock=lambda: now)


def test_digest_send_mails_text_and_html(
    smtp_server: ServerFactory,
    tmp_path: Path,
    database: sqlite_utils.Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = smtp_server(auth=True)
    config = _config(tmp_path, server.port)
    _store(database, 1)
    _store(database, 2, tone="neutral", title="일산테크노밸리 기업 유치")
    assert _cli(config, "digest", "--date", "2024-11-27", "--send") == 0
    out, err = capsys.readouterr()
    assert out == "" and "digest sent to 2 of 2 recipients" in err
    ((_, recipients, message),) = server.inbox.messages
    assert recipients == ["team@goyang.test", "chief@goyang.test"]
    assert message["Subject"] == (
        "[언론 모니터링] 2024-11-27 브리핑: 기사 2건, 이야기 2건 (부정 1건)"
    )
    parts = {p.get_content_type(): p.get_content() for p in message.iter_parts()}
    assert "### [부정] 일산테크노밸리 <착공> 지연 & 논란 1" in parts["text/plain"]
    assert "&lt;착공&gt; 지연 &amp; 논란 1" in parts["text/html"]
    assert "<착공>" not in parts["text/html"]
    # A --date digest never moves where --since-last starts.
    assert last_sent(database, SINCE_LAST) is None


def test_digest_send_errors_are_one_line(
    smtp_server: ServerFactory,
    tmp_path: Path,
    database: sqlite_utils.Database,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = smtp_server(auth=True, refuse={"chief@goyang.test"})
    config = _config(tmp_path, server.port)
    assert _cli(config, "digest", "--send") == 1  # delivered to one of two: reported, status 1
    err = capsys.readouterr().err
    assert err.strip() == (
        "monitor: error: digest sent to 1 of 2 recipients; "
        "refused: chief@goyang.test (550 5.1.1 no such mailbox here)"
    )
    assert len(server.inbox.messages) == 1
    assert main(["--config", str(config.path), "digest", "--send"], environ={}) == 1
    assert capsys.readouterr().err.startswith(
        "monitor: error: SMTP password missing: set the environment variable PM_TEST_SMTP_PW"
    )
    refused = _config(tmp_path, _free_port())
    assert _cli(refused, "digest", "--send") == 1
    assert "connection refused" in capsys.readouterr().err
    no_smtp = tmp_path / "plain.toml"
    text = CONFIG.format(port=25, digest="", user="")
    without = text.split("[smtp]")[0]
    no_smtp.write_text(without, encoding="utf-8")
    assert main(["--config", str(no_smtp), "digest", "--send"], environ={}) == 1
    assert "--send needs an [smtp] table" in capsys.readouterr().err


def test_since_last_send_moves_forward_only_when_sent(
    smtp_server: ServerFactory, tmp_path: Path, database: sqlite_utils.Database
) -> None:
    server = smtp_server(auth=True)
    config = _config(tmp_path, server.port)
    _store(database, 1, collected_at="2024-11-27T10:00:00+09:00")
    assert _cli(config, "digest", "--since-last", "--format", "json") == 0  # printed, not sent
    assert last_sent(database, SINCE_LAST) is None
    assert _cli(config, "digest", "--since-last", "--send") == 0
    _store(database, 3, collected_at="2024-11-27T20:00:00+09:00")
    later = datetime(2024, 11, 28, 8, tzinfo=KST)
    assert _cli(config, "digest", "--since-last", "--send", now=later) == 0
    _, second = (m for _, _, m in server.inbox.messages)
    text = second.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert "논란 3" in body and "논란 1" not in body
    assert "(괄호 안은 지난 브리핑 대비)" in body


def test_scheduled_digest_writes_files_and_mails(
    smtp_server: ServerFactory,
    tmp_path: Path,
    database: sqlite_utils.Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = smtp_server(auth=True, refuse={"chief@goyang.test"})
    config = _config(tmp_path, server.port)
    jobs = _jobs(config, database, NOW)
    _store(database, 1)
    outcome = jobs.write_digest()
    assert outcome.status == "partial", outcome  # one recipient refused: said, not dropped
    assert "mailed: sent to 1 of 2 recipients; refused: chief@goyang.test" in outcome.summary
    assert [p.suffix for p in outcome.files] == [".md", ".html"]
    assert last_sent(database, SINCE_LAST) is not None
    # The next morning, nothing new: a short note (send_empty is on by default).
    server.inbox.refuse.clear()
    jobs = _jobs(config, database, datetime(2024, 11, 28, 8, tzinfo=KST))
    assert jobs.write_digest().status == "ok"
    note = server.inbox.messages[-1][2]
    assert note["Subject"] == "[언론 모니터링] 2024-11-28 관련 보도 없음"
    body = note.get_body(("plain",))
    assert body is not None and "관련 보도가 없습니다." in body.get_content()


def test_scheduled_digest_not_mailed_is_covered_again(
    tmp_path: Path, database: sqlite_utils.Database
) -> None:
    config = _config(tmp_path, _free_port())  # nobody listens
    _store(database, 1)
    outcome = _jobs(config, database, NOW).write_digest()
    assert outcome.status == "failed" and "connection refused" in outcome.summary
    assert outcome.files and "not mailed" in outcome.summary  # the files are still written
    assert last_sent(database, SINCE_LAST) is None


def test_empty_day_sends_nothing_when_send_empty_is_false(
    smtp_server: ServerFactory, tmp_path: Path, database: sqlite_utils.Database
) -> None:
    server = smtp_server(auth=True)
    config = _config(tmp_path, server.port, digest="send_empty = false")
    outcome = _jobs(config, database, NOW).write_digest()
    assert outcome.status == "ok" and "nothing written" in outcome.summary
    assert server.inbox.messages == []


def _jobs(config: Config, database: sqlite_utils.Database, now: datetime) -> ScheduledJobs:
    def no_analyser() -> Any:
        raise AssertionError("the digest job needs no analyser")

    deps = ScheduleDeps(
        config=config,
        db=database,
        clock=lambda: now,
        make_analyser=no_analyser,
        make_fetcher=no_analyser,
        log=logging.getLogger("monitor.schedule.test"),
        environ=dict(ENV),
    )
    return ScheduledJobs(deps, threading.Event())


def test_alert_mails_new_negative_coverage_once(
    smtp_server: ServerFactory, tmp_path: Path, database: sqlite_utils.Database
) -> None:
    server = smtp_server(auth=True)
    config = _config(tmp_path, server.port)
    first = _store(database, 1)
    _store(database, 2, story_id=first)  # a syndicated copy: one story, two outlets
    _store(database, 3, tone="positive", title="일산테크노밸리 기업 유치")
    labelled = _store(database, 5, tone="positive", title="팀이 부정으로 고친 기사")
    store.set_label(database, labelled, "2024-11-27T18:05:00+09:00", tone="negative")
    _store(database, 7, published_date="2024-03-02", title="백필로 찾은 옛 기사")

    alert = send_alerts(config, database, clock=lambda: NOW, environ=ENV)
    assert alert is not None and alert.mail is not None
    assert alert.articles == 3 and len(alert.digest.stories) == 2
    ((_, _, message),) = server.inbox.messages
    assert message["Subject"].startswith("[언론 모니터링] 부정 보도 알림: ")
    assert message["Subject"].endswith(" 외 1건")
    text = message.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert "팀이 부정으로 고친 기사" in body and "논란 1" in body and "외 1개 매체" in body
    assert "기업 유치" not in body and "옛 기사" not in body

    # Nothing new since: nothing mailed. A new negative item: only it.
    later = datetime(2024, 11, 27, 19, tzinfo=KST)
    again = send_alerts(config, database, clock=lambda: later, environ=ENV)
    assert again is not None and again.mail is None and len(server.inbox.messages) == 1
    _store(database, 9, collected_at="2024-11-27T19:10:00+09:00")
    latest = datetime(2024, 11, 27, 19, 30, tzinfo=KST)
    third = send_alerts(config, database, clock=lambda: latest, environ=ENV)
    assert third is not None and third.articles == 1
    body3 = server.inbox.messages[-1][2].get_body(("plain",))
    assert body3 is not None and "논란 9" in body3.get_content()
    assert "논란 1" not in body3.get_content()


def test_an_alert_not_sent_is_tried_again(
    smtp_server: ServerFactory, tmp_path: Path, database: sqlite_utils.Database
) -> None:
    down = _config(tmp_path, _free_port())
    _store(database, 1)
    with pytest.raises(MailError, match="connection refused"):
        send_alerts(down, database, clock=lambda: NOW, environ=ENV)
    assert last_sent(database, ALERT) is None
    server = smtp_server(auth=True)
    up = _config(tmp_path, server.port)
    alert = send_alerts(up, database, clock=lambda: NOW, environ=ENV)
    assert alert is not None and alert.articles == 1 and len(server.inbox.messages) == 1


def test_alerts_off_or_no_smtp_send_nothing(
    tmp_path: Path, database: sqlite_utils.Database
) -> None:
    config = _config(tmp_path, _free_port(), digest="alerts = false")
    _store(database, 1)
    assert send_alerts(config, database, clock=lambda: NOW, environ=ENV) is None


def _empty_feed(request: httpx.Request) -> httpx.Response:
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<link>http://news.test/</link><description>d</description></channel></rss>"
    )
    return httpx.Response(200, text=feed, headers={"content-type": "application/rss+xml"})


def test_the_scheduled_collection_is_followed_by_the_alert(
    smtp_server: ServerFactory,
    tmp_path: Path,
    database: sqlite_utils.Database,
    caplog: pytest.LogCaptureFixture,
    kiwi: Kiwi,
) -> None:
    server = smtp_server(auth=True)
    config = _config(tmp_path, server.port)
    _store(database, 1)  # stored by an earlier collection whose alert could not be sent
    deps = ScheduleDeps(
        config=config,
        db=database,
        clock=lambda: NOW,
        make_analyser=lambda: Analyser(kiwi, config.entities, config.topics),
        make_fetcher=lambda: Fetcher(
            FetchSettings(per_host_delay_s=0, respect_robots=False, retries=0),
            client=httpx.Client(transport=httpx.MockTransport(_empty_feed)),
        ),
        log=logging.getLogger("monitor.schedule.test"),
        environ=dict(ENV),
    )
    with caplog.at_level(logging.INFO, logger="monitor.schedule.test"):
        outcome = ScheduledJobs(deps, threading.Event()).collect()
    assert outcome.status == "ok", outcome
    assert len(server.inbox.messages) == 1
    assert any(
        r.getMessage().startswith("alert: 1 negative articles (1 stories) sent to 2 of 2")
        for r in caplog.records
    )
