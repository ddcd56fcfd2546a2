"""Test certificates for TLS listeners, made by scripts/tls-certs.sh (Debian's openssl) into a directory.

`TlsCerts(directory)` runs the script once and names its files: `ca`, `broker_keystore` (PEM: key + chain),
`client_cert` / `client_key` / `client_keystore` (subject CN=client,O=Gregor), the untrusted `other_ca`,
`other_broker_keystore` and `other_client_*`. `broker_properties()` gives an SSL listener's server.properties keys.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "tls-certs.sh"

# What Gregor (like Kafka) names a client with the client certificate: User:<subject DN, RFC 2253>.
CLIENT_PRINCIPAL = "User:CN=client,O=Gregor"


class TlsCerts:
    def __init__(self, directory: Path):
        self.dir = Path(directory)
        subprocess.run([str(SCRIPT), str(self.dir)], check=True, capture_output=True, text=True, timeout=120)

    def path(self, name: str) -> str:
        return str(self.dir / name)

    @property
    def ca(self) -> str:
        return self.path("ca.pem")

    @property
    def broker_keystore(self) -> str:
        return self.path("broker.pem")

    @property
    def client_cert(self) -> str:
        return self.path("client-cert.pem")

    @property
    def client_key(self) -> str:
        return self.path("client.key")

    @property
    def client_keystore(self) -> str:
        return self.path("client.pem")

    @property
    def other_ca(self) -> str:
        return self.path("other-ca.pem")

    @property
    def other_broker_keystore(self) -> str:
        return self.path("other-broker.pem")

    @property
    def other_client_cert(self) -> str:
        return self.path("other-client-cert.pem")

    @property
    def other_client_key(self) -> str:
        return self.path("other-client.key")

    def broker_properties(self, listener: str = "SSL", client_auth: str = "none", keystore: str | None = None) -> dict:
        """The `listener.name.<listener>.` keys of a TLS listener with the test CA as truststore."""
        prefix = f"listener.name.{listener.lower()}."
        return {
            prefix + "ssl.keystore.type": "PEM",
            prefix + "ssl.keystore.location": keystore or self.broker_keystore,
            prefix + "ssl.truststore.type": "PEM",
            prefix + "ssl.truststore.location": self.ca,
            prefix + "ssl.client.auth": client_auth,
        }
