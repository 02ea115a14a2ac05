"""TLS for the emulator: a throw-away CA (trustme) and a server certificate, with the CA written to a PEM file."""

import os
import shutil
import ssl
import tempfile

DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")


class ServerTls:
    """A server SSLContext and the CA file a client needs to trust it.

    The certificate covers localhost, 127.0.0.1 and ::1, or only `cert_hostname` when given (e.g.
    "wrong.example", to test a hostname mismatch). Files go to `cert_dir` (kept) or to a temporary
    directory that cleanup() removes.
    """

    def __init__(self, cert_hostname=None, cert_dir=None):
        import trustme  # pylint: disable=import-outside-toplevel  # only TLS runs need it

        self._owned_dir = cert_dir is None
        self.cert_dir = tempfile.mkdtemp(prefix="backupops-emulator-tls-") if cert_dir is None else cert_dir
        os.makedirs(self.cert_dir, exist_ok=True)
        self.names = (cert_hostname,) if cert_hostname else DEFAULT_NAMES
        authority = trustme.CA(organization_name="backupops emulator test CA")
        certificate = authority.issue_cert(*self.names)
        self.ca_path = os.path.join(self.cert_dir, "emulator-ca.pem")
        authority.cert_pem.write_to_path(self.ca_path)
        self.cert_path = os.path.join(self.cert_dir, "emulator-server.pem")
        certificate.private_key_and_cert_chain_pem.write_to_path(self.cert_path)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.cert_path)

    def cleanup(self):
        if self._owned_dir:
            shutil.rmtree(self.cert_dir, ignore_errors=True)
