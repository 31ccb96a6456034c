"""The mesh CA: one root per home, a certificate per identity with its SPIFFE ID as URI SAN."""
from __future__ import annotations

import datetime
import os
import stat

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from bookinfo.runner.mesh_ca import MeshCA

PRODUCTPAGE = "spiffe://cluster.local/ns/default/sa/bookinfo-productpage"
REVIEWS = "spiffe://cluster.local/ns/default/sa/bookinfo-reviews"


def load(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(open(path, "rb").read())


def test_each_identity_gets_a_certificate_signed_by_the_root(tmp_path):
    ca = MeshCA(tmp_path / "ca")
    issued = ca.certificates([PRODUCTPAGE, REVIEWS])
    root = load(ca.root_certificate)
    for identity, files in issued.items():
        leaf = load(files.chain)
        assert leaf.issuer == root.subject
        root.public_key().verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(leaf.signature_hash_algorithm))
        sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert sans.get_values_for_type(x509.UniformResourceIdentifier) == [identity]
        assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_keys_are_owner_only_and_certificates_are_kept(tmp_path):
    ca = MeshCA(tmp_path / "ca")
    first = ca.certificates([PRODUCTPAGE])[PRODUCTPAGE]
    assert stat.S_IMODE((tmp_path / "ca").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "ca" / "root-key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE(os.stat(first.key).st_mode) == 0o600
    serial = load(first.chain).serial_number
    again = MeshCA(tmp_path / "ca").certificates([PRODUCTPAGE])[PRODUCTPAGE]
    assert load(again.chain).serial_number == serial


def test_a_certificate_of_another_root_is_issued_again(tmp_path):
    first = MeshCA(tmp_path / "a").certificates([REVIEWS])[REVIEWS]
    target = tmp_path / "b"
    MeshCA(target).certificates([PRODUCTPAGE])
    stray = target / "workloads" / "default" / "bookinfo-reviews"
    stray.mkdir(parents=True)
    (stray / "cert-chain.pem").write_bytes(open(first.chain, "rb").read())
    reissued = MeshCA(target).certificates([REVIEWS])[REVIEWS]
    assert load(reissued.chain).issuer == load(target / "root-cert.pem").subject
    assert load(reissued.chain).not_valid_after_utc > datetime.datetime.now(datetime.timezone.utc)
