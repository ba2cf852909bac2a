"""Mailing the digest and the alerts over SMTP: one message composed, one connection, and every
failure translated once into a MailError with a one-line reason."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from monitor.config import SmtpConfig
from monitor.errors import MonitorError

__all__ = [
    "MailError",
    "MailOutcome",
    "compose_mail",
    "send_mail",
    "smtp_password",
]


class MailError(MonitorError):
    """The message was not handed to the SMTP server (or no recipient was accepted)."""


@dataclass(frozen=True)
class MailOutcome:
    """What the server accepted: every recipient but the `refused` ones got the message."""

    message_id: str
    accepted: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]  # (address, the server's reply)

    def describe(self) -> str:
        """`sent to 2 of 3 recipients; refused: c@x (550 no such user)`."""
        total = len(self.accepted) + len(self.refused)
        line = f"sent to {len(self.accepted)} of {total} recipients"
        if self.refused:
            line += "; refused: " + ", ".join(f"{a} ({why})" for a, why in self.refused)
        return line


def compose_mail(
    *,
    subject: str,
    text: str,
    html: str | None,
    sender: str,
    recipients: Sequence[str],
    now: datetime,
) -> EmailMessage:
    """A UTF-8 message with a plain-text part and, when given, an HTML alternative; Date and
    Message-ID set (the subject is RFC 2047-encoded by the email package)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text, charset="utf-8")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def smtp_password(settings: SmtpConfig, environ: Mapping[str, str]) -> str | None:
    """The password from the variable `password_env` names; None when no login is configured."""
    if not settings.user:
        return None
    password = environ.get(settings.password_env)
    if not password:
        raise MailError(
            f"SMTP password missing: set the environment variable {settings.password_env} "
            f"(the password of {settings.user} on {settings.host})"
        )
    return password


def send_mail(
    settings: SmtpConfig,
    message: EmailMessage,
    *,
    password: str | None,
    ssl_context: ssl.SSLContext | None = None,
) -> MailOutcome:
    """Hand `message` to the server for every recipient in its To header; a recipient the server
    refuses is reported in the outcome, and a MailError when nothing could be sent."""
    recipients = [a.strip() for a in str(message["To"]).split(",") if a.strip()]
    where = f"{settings.host}:{settings.port}"
    context = ssl_context or _tls_context(settings)
    try:
        with _connect(settings, context) as smtp:
            if settings.starttls:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise MailError(
                        f"SMTP server {where} does not offer STARTTLS (set starttls = false in "
                        "[smtp] only for a server on a trusted network)"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.user:
                if password is None:
                    raise MailError(f"SMTP password missing for {settings.user}")
                try:
                    smtp.login(settings.user, password)
                except UnicodeEncodeError:
                    # smtplib encodes AUTH as ASCII; the server never saw an attempt.
                    raise MailError(
                        f"SMTP login as {settings.user} on {where}: the user name or password "
                        "has non-ASCII characters, which SMTP AUTH cannot send here"
                    ) from None
            refused = smtp.send_message(message, settings.sender, recipients)
    except MailError:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError("every recipient was refused: " + _refusals(exc.recipients)) from None
    except smtplib.SMTPAuthenticationError as exc:
        reply = _reply(exc.smtp_code, exc.smtp_error)
        raise MailError(f"SMTP login as {settings.user} on {where} refused: {reply}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(f"SMTP server {where}: {exc}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise MailError(
            f"SMTP server {where} refused the sender {settings.sender}: "
            f"{_reply(exc.smtp_code, exc.smtp_error)}"
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"SMTP server {where}: {_reply(exc.smtp_code, exc.smtp_error)}") from None
    except smtplib.SMTPServerDisconnected as exc:
        raise MailError(f"SMTP server {where} closed the connection: {exc}") from None
    except smtplib.SMTPException as exc:
        raise MailError(f"SMTP server {where}: {exc}") from None
    except ssl.SSLError as exc:
        reason = getattr(exc, "verify_message", None) or exc.reason or str(exc)
        raise MailError(f"TLS with SMTP server {where} failed: {reason}") from None
    except ConnectionRefusedError:
        raise MailError(f"cannot connect to SMTP server {where}: connection refused") from None
    except socket.gaierror:
        raise MailError(f"cannot connect to SMTP server {where}: unknown host") from None
    except TimeoutError:
        raise MailError(
            f"SMTP server {where} did not answer within {settings.timeout_s:g} s"
        ) from None
    except OSError as exc:
        raise MailError(f"cannot connect to SMTP server {where}: {exc.strerror or exc}") from None
    refusals = tuple((address, _reply(*reply)) for address, reply in refused.items())
    return MailOutcome(
        message_id=str(message["Message-ID"]),
        accepted=tuple(a for a in recipients if a not in refused),
        refused=refusals,
    )


def _connect(settings: SmtpConfig, context: ssl.SSLContext) -> smtplib.SMTP:
    """An open connection: implicit TLS with `ssl`, else plain (upgraded later with STARTTLS)."""
    if settings.ssl:
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_s, context=context
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)


def _tls_context(settings: SmtpConfig) -> ssl.SSLContext:
    """The system's trusted CAs, or the private CA of `ca_file`; certificates always checked."""
    if settings.ca_file is not None:
        return ssl.create_default_context(cafile=str(settings.ca_file))
    return ssl.create_default_context()


def _reply(code: int, message: bytes | str) -> str:
    """`550 no such user`: the server's reply as one line."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"


def _refusals(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{address} ({_reply(*reply)})" for address, reply in refused.items())
