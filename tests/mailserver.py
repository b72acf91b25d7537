"""A real SMTP server for the email tests: aiosmtpd's Controller on a local address,
keeping every message it receives (envelope and parsed message).

``MailServer(host="127.0.0.1")`` starts it (``stop()`` ends it); ``tls=True`` makes it
offer STARTTLS with a certificate generated for ``localhost``/127.0.0.1 (``cert_file``
is its PEM, for ``SSL_CERT_FILE``) and ``require_starttls`` refuse mail without it.
"""
from __future__ import annotations

import datetime
import email
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    tls: bool

    def part(self, subtype: str) -> str:
        return self.message.get_body((subtype,)).get_content()


class _Handler:
    def __init__(self):
        self.messages: list[Received] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(Received(
            envelope.mail_from, list(envelope.rcpt_tos),
            email.message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default),
            session.ssl is not None))
        return "250 Message accepted for delivery"


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1: (cert PEM, key PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class MailServer:
    def __init__(self, host: str = "127.0.0.1", *, tls_dir: Path | None = None,
                 require_starttls: bool = False):
        self.host, self.port = host, free_port(host)
        self.handler = _Handler()
        kwargs = {}
        self.cert_file = None
        if tls_dir is not None:
            self.cert_file, key_file = make_certificate(tls_dir)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert_file, key_file)
            kwargs = {"tls_context": context, "require_starttls": require_starttls}
        self.controller = Controller(self.handler, hostname=host, port=self.port, **kwargs)
        self.controller.start()

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def url(self, host: str | None = None) -> str:
        return f"smtp://{host or self.host}:{self.port}"

    def stop(self) -> None:
        if not getattr(self, "_stopped", False):
            self._stopped = True
            self.controller.stop()
