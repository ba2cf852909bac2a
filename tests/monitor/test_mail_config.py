"""`[smtp]` in config.toml: parsed, defaulted, the older `[digest]` spelling, errors by key."""

from __future__ import annotations

from pathlib import Path

import pytest
from testkit import NEWS_TEST, NEWS_TEST_FEED, entity_block, mini_config

from monitor.config import SmtpConfig, load_config
from monitor.errors import ConfigError

MINIMAL = mini_config(
    entity_block("itv", "일산테크노밸리"), source=NEWS_TEST_FEED, outlets=(NEWS_TEST,)
)

SMTP = """
[smtp]
host = "mail.goyang.test"
from = "monitor@goyang.test"
recipients = ["team@goyang.test"]
"""


def _load(tmp_path: Path, extra: str) -> SmtpConfig | None:
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL + extra, encoding="utf-8")
    return load_config(path).smtp


def _error(tmp_path: Path, extra: str) -> str:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, extra)
    return str(caught.value)


def test_no_smtp_means_nothing_is_mailed(tmp_path: Path) -> None:
    assert _load(tmp_path, "") is None


def test_smtp_with_defaults(tmp_path: Path) -> None:
    smtp = _load(tmp_path, SMTP)
    assert smtp == SmtpConfig(
        host="mail.goyang.test",
        recipients=("team@goyang.test",),
        sender="monitor@goyang.test",
    )
    assert (smtp.port, smtp.starttls, smtp.ssl, smtp.password_env) == (
        587,
        True,
        False,
        "MONITOR_SMTP_PASSWORD",
    )


def test_ca_file_resolves_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.pem").write_text("x", encoding="utf-8")
    smtp = _load(tmp_path, SMTP + 'ca_file = "certs/ca.pem"\n')
    assert smtp is not None and smtp.ca_file == tmp_path / "certs" / "ca.pem"
    assert "smtp.ca_file: no such file" in _error(tmp_path, SMTP + 'ca_file = "nope.pem"\n')


def test_implicit_tls_turns_starttls_off(tmp_path: Path) -> None:
    smtp = _load(tmp_path, SMTP + "ssl = true\nport = 465\n")
    assert smtp is not None and (smtp.ssl, smtp.starttls, smtp.port) == (True, False, 465)


def test_the_older_digest_keys_still_work(tmp_path: Path) -> None:
    legacy = """
[digest]
recipients = ["team@goyang.test"]
sender = "monitor@goyang.test"
smtp_host = "mail.goyang.test"
smtp_port = 2525
smtp_user = "monitor"
starttls = false
"""
    smtp = _load(tmp_path, legacy)
    assert smtp is not None
    assert (smtp.host, smtp.port, smtp.user, smtp.starttls, smtp.recipients) == (
        "mail.goyang.test",
        2525,
        "monitor",
        False,
        ("team@goyang.test",),
    )
    both = legacy + SMTP
    assert "digest.smtp_host: give the SMTP settings in [smtp] only" in _error(tmp_path, both)


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('[smtp]\nfrom = "a@b.test"\nrecipients = ["t@b.test"]\n', "smtp.host"),
        ('[smtp]\nhost = "m.test"\nrecipients = []\n', "smtp.recipients"),
        ('[smtp]\nhost = "m.test"\n', "smtp.recipients"),
        ('[smtp]\nhost = "m.test"\nrecipients = ["not an address"]\n', "smtp.recipients"),
        ('[smtp]\nhost = "m.test"\nrecipients = ["t@b.test"]\nfrom = "nobody"\n', "smtp.from"),
        (SMTP + "port = 70000\n", "smtp.port"),
        (SMTP + 'port = "25"\n', "smtp.port"),
        (SMTP + "ssl = true\nstarttls = true\n", "smtp.ssl"),
        (SMTP + 'password = "in the file"\n', "smtp.password"),
        (SMTP + 'password_env = ""\n', "smtp.password_env"),
        (SMTP + "timeout_s = 0\n", "smtp.timeout_s"),
        ("[digest]\nalert_window_days = 0\n", "digest.alert_window_days"),
        ("[digest]\nalerts = 1\n", "digest.alerts"),
    ],
)
def test_bad_smtp_settings_name_the_key(tmp_path: Path, extra: str, key: str) -> None:
    assert f": {key}: " in _error(tmp_path, extra)
