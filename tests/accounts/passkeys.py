"""A passkey as allauth stores it, made without a browser: the registration response a
browser posts (attestation "none") for a fresh P-256 key. The tests of pages that show a
passkey use it; the real ceremony is in tests/test_browser_passkey.py."""

import hashlib
import os

from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    CollectedClientData,
    RegistrationResponse,
)


def registration(rp_id="testserver") -> dict:
    """What a browser posts after a passkey's registration (attestation "none"), for a new key."""
    key = ec.generate_private_key(ec.SECP256R1())
    credential_id = os.urandom(16)
    credential = AttestedCredentialData.create(bytes(16), credential_id, ES256.from_cryptography_key(key.public_key()))
    flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT
    auth_data = AuthenticatorData.create(hashlib.sha256(rp_id.encode()).digest(), flags, 0, credential)
    response = AuthenticatorAttestationResponse(
        client_data=CollectedClientData.create("webauthn.create", os.urandom(32), f"http://{rp_id}"),
        attestation_object=AttestationObject.create("none", auth_data, {}),
    )
    return dict(
        RegistrationResponse(
            raw_id=credential_id, response=response, client_extension_results={"credProps": {"rk": True}}
        )
    )


def add_passkey(user, name="Laptop"):
    """The row allauth writes after a registration."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": registration()}
    )
