"""A real OpenLDAP server for the LDAP login tests: `slapd` started as a child process on a
free localhost port, from a temporary directory holding its configuration (slapd.conf) and
an MDB database loaded with slapadd. Unprivileged: when the tests run as root it drops to
the `openldap` user the Debian package creates.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

SUFFIX = "dc=example,dc=gov,dc=cn"
PEOPLE = f"ou=people,{SUFFIX}"
SERVICE_DN = f"cn=tracker,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-bind-secret"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def find(program: str) -> str | None:
    return shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/local/sbin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _entry(dn: str, **attributes) -> str:
    lines = [f"dn: {dn}"]
    for name, values in attributes.items():
        for value in values if isinstance(values, list | tuple) else [values]:
            lines.append(f"{name}: {value}")
    return "\n".join(lines) + "\n"


def person(uid: str, password: str, *, cn: str, mail: str = "") -> str:
    extra = {"mail": mail} if mail else {}
    return _entry(
        f"uid={uid},{PEOPLE}",
        objectClass=["inetOrgPerson"],
        uid=uid,
        cn=cn,
        sn=cn[:1],
        userPassword=password,
        # Attributes that look like a role and a unit: the login must ignore them.
        title="环督办",
        ou="市环督办",
        **extra,
    )


def certificate_authority(directory: Path, name: str):
    """A CA (its certificate written to directory/name.pem) and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Test CA {name}")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path, cert, key


def _server_certificate(directory: Path, ca_cert, ca_key) -> None:
    """server.pem / server.key for 127.0.0.1, signed by the CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


class Slapd:
    """tls=True: the server has a certificate (self.ca_file is its CA) and accepts no
    operation but StartTLS on a connection that is not encrypted (`security tls=1`)."""

    def __init__(self, people: list[str], *, tls: bool = False):
        self.dir = Path(tempfile.mkdtemp(prefix="slapd-"))
        self.port = _free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.ca_file: Path | None = None
        tls_config = ""
        if tls:
            self.ca_file, ca_cert, ca_key = certificate_authority(self.dir, "ca")
            _server_certificate(self.dir, ca_cert, ca_key)
            tls_config = (
                f"TLSCertificateFile {self.dir}/server.pem\n"
                f"TLSCertificateKeyFile {self.dir}/server.key\n"
                "security tls=1\n"
            )
        self._configure(people, tls_config)

    def _configure(self, people: list[str], tls_config: str) -> None:
        data = self.dir / "data"
        data.mkdir()
        includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
        (self.dir / "slapd.conf").write_text(
            f"""{includes}
pidfile {self.dir}/slapd.pid
argsfile {self.dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
{tls_config}
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "cn=admin,{SUFFIX}"
directory {data}
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="{SERVICE_DN}" read
  by self read
  by * none
""",
            encoding="utf-8",
        )
        tree = [
            _entry(SUFFIX, objectClass=["dcObject", "organization"], dc="example", o="示范市"),
            _entry(PEOPLE, objectClass="organizationalUnit", ou="people"),
            _entry(f"ou=services,{SUFFIX}", objectClass="organizationalUnit", ou="services"),
            _entry(
                SERVICE_DN,
                objectClass=["organizationalRole", "simpleSecurityObject"],
                cn="tracker",
                userPassword=SERVICE_PASSWORD,
            ),
            *people,
        ]
        (self.dir / "tree.ldif").write_text("\n".join(tree), encoding="utf-8")
        subprocess.run(
            [
                find("slapadd"),
                "-q",
                "-f",
                str(self.dir / "slapd.conf"),
                "-l",
                str(self.dir / "tree.ldif"),
            ],
            check=True,
            capture_output=True,
        )

    def start(self) -> "Slapd":
        command = [
            find("slapd"),
            "-d",
            "0",
            "-f",
            str(self.dir / "slapd.conf"),
            "-h",
            self.uri + "/",
        ]
        if os.geteuid() == 0:
            account = pwd.getpwnam("openldap")
            for path in [self.dir, *self.dir.rglob("*")]:
                os.chown(path, account.pw_uid, account.pw_gid)
            command += ["-u", "openldap", "-g", "openldap"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {self.process.stderr.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("slapd did not start listening")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
