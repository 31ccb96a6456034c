"""The mesh's certificate authority: istiod's CA role, one per stack home.

It lives in ``<home>/ca/`` (owner-only): ``root-cert.pem`` is the trust anchor every
sidecar checks its peer against, ``root-key.pem`` the CA's key, and
``workloads/<namespace>/<service account>/`` the certificate and key issued to each
identity, its SPIFFE ID as the certificate's one URI SAN (what a callee's sidecar reads
as the caller's principal). The CA and the issued certificates outlive ``down``/``up``,
as a cluster's root of trust outlives its pods; a certificate close to expiry is issued
again. Keys are ECDSA P-256: cheap to make and to handshake with on two busy cores.
"""
from __future__ import annotations

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from bookinfo.mesh.identity import TRUST_DOMAIN, namespace_and_account
from bookinfo.mesh.model import WorkloadCertificate
from bookinfo.system.files import atomic_write, exclusive_lock

ROOT_VALIDITY = datetime.timedelta(days=3650)
WORKLOAD_VALIDITY = datetime.timedelta(days=365)
RENEW_BEFORE = datetime.timedelta(days=1)
# Certificates are valid from a little before they are made, so a clock that differs by
# seconds between processes never sees one "not yet valid".
BACKDATE = datetime.timedelta(minutes=5)


class MeshCA:
    """The CA files under ``directory``; the CA itself is made on first use."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.root_certificate = self.directory / "root-cert.pem"
        self._root_key = self.directory / "root-key.pem"

    def certificates(self, identities) -> dict[str, WorkloadCertificate]:
        """A valid certificate for each SPIFFE identity, issuing what is missing or expiring."""
        with exclusive_lock(self.directory / "lock"):
            os.chmod(self.directory, 0o700)
            if not self.root_certificate.exists():
                self._make_root()
            return {identity: self._issued(identity) for identity in sorted(set(identities))}

    def _make_root(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, TRUST_DOMAIN),
                          x509.NameAttribute(NameOID.COMMON_NAME, "Bookinfo local mesh CA")])
        now = _now()
        certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                       .public_key(key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(now - BACKDATE).not_valid_after(now + ROOT_VALIDITY)
                       .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                       .add_extension(_key_usage(cert_sign=True), critical=True)
                       .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                       .sign(key, hashes.SHA256()))
        atomic_write(self._root_key, _pem_key(key))
        atomic_write(self.root_certificate, _pem(certificate), mode=0o644)

    def _issued(self, identity: str) -> WorkloadCertificate:
        namespace, account = namespace_and_account(identity)
        directory = self.directory / "workloads" / namespace / account
        files = WorkloadCertificate(chain=str(directory / "cert-chain.pem"), key=str(directory / "key.pem"))
        if not _valid_for_a_while(Path(files.chain), self._root()):
            directory.mkdir(parents=True, exist_ok=True)
            key = ec.generate_private_key(ec.SECP256R1())
            atomic_write(Path(files.key), _pem_key(key))
            atomic_write(Path(files.chain), _pem(self._sign(identity, key.public_key())), mode=0o644)
        return files

    def _root(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.root_certificate.read_bytes())

    def _sign(self, identity: str, public_key) -> x509.Certificate:
        root = self._root()
        root_key = serialization.load_pem_private_key(self._root_key.read_bytes(), password=None)
        now = _now()
        return (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, TRUST_DOMAIN)]))
                .issuer_name(root.subject).public_key(public_key).serial_number(x509.random_serial_number())
                .not_valid_before(now - BACKDATE).not_valid_after(now + WORKLOAD_VALIDITY)
                .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity)]),
                               critical=True)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_key_usage(cert_sign=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                      ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root.public_key()),
                               critical=False)
                .sign(root_key, hashes.SHA256()))


def _valid_for_a_while(path: Path, root: x509.Certificate) -> bool:
    """Whether ``path`` holds a certificate of this CA that is not about to expire."""
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return False
    return (certificate.issuer == root.subject
            and certificate.not_valid_after_utc - _now() > RENEW_BEFORE)


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
                         crl_sign=cert_sign, encipher_only=False, decipher_only=False)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _pem_key(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()
