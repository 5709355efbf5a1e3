"""What a provider posts to the site's callbacks (/hooks/…): a Threema Gateway callback,
encrypted to our key and signed with the gateway secret."""

import hashlib
import hmac
import secrets

from nacl.public import Box

from scheduler.channels import threema

GATEWAY_SECRET = "gateway-secret-for-tests"


def threema_form(our_public_key, sender_private_key, plain, secret=GATEWAY_SECRET):
    nonce = secrets.token_bytes(24)
    box = Box(sender_private_key, our_public_key).encrypt(threema.pad(plain), nonce).ciphertext
    data = {
        "from": "ECHOECHO",
        "to": "*SPRECHZ",
        "messageId": "0011223344556677",
        "date": "1700000000",
        "nonce": nonce.hex(),
        "box": box.hex(),
    }
    data["mac"] = hmac.new(
        secret.encode(), "".join(data[k] for k in threema.CALLBACK_MAC_FIELDS).encode(), hashlib.sha256
    ).hexdigest()
    return data
