"""sigstore-python's verdict on one bundle, offline, against a given trusted root.

The independent verifier for the bundles our test Sigstore authority makes
(Tests/SigstoreTestSupport): PyPI `sigstore` (pinned in scripts/python-tools) with its
`TrustedRoot.from_file` instead of the TUF-fetched public-good root, so nothing touches the
network. Prints `verified` or `refused <ExceptionType>: <first line>` and exits 0 either way.

Usage: sigstore_verify_python.py TRUSTED_ROOT BUNDLE ARTIFACT_OR_SHA256 IDENTITY ISSUER
ARTIFACT_OR_SHA256 is a file, or sha256:<hex> (message signature over that digest, or the
digest an in-toto subject must carry).
"""
import hashlib
import json
import socket
import sys
from pathlib import Path

from sigstore.hashes import Hashed
from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier, policy
from sigstore_models.common.v1 import HashAlgorithm


def verdict(root_path: str, bundle_path: str, target: str, identity: str, issuer: str) -> str:
    # Offline by construction: any connection attempt fails the verification.
    def refuse_network(*_args, **_kwargs):
        raise RuntimeError("sigstore-python attempted a network connection")

    socket.socket.connect = refuse_network
    root = TrustedRoot.from_file(root_path)
    bundle = Bundle.from_json(Path(bundle_path).read_bytes())
    verifier = Verifier(trusted_root=root)
    identity_policy = policy.Identity(identity=identity, issuer=issuer)
    if target.startswith("sha256:"):
        digest = bytes.fromhex(target[len("sha256:"):])
    else:
        digest = hashlib.sha256(Path(target).read_bytes()).digest()
    if bundle._dsse_envelope is not None:
        _, payload = verifier.verify_dsse(bundle, identity_policy)
        subjects = [s.get("digest", {}).get("sha256") for s in json.loads(payload).get("subject", [])]
        if digest.hex() not in subjects:
            raise ValueError("no in-toto subject has the artifact's digest")
    else:
        verifier.verify_artifact(Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest), bundle, identity_policy)
    return "verified"


def main() -> None:
    try:
        print(verdict(*sys.argv[1:6]))
    except Exception as e:  # every refusal, whatever its type
        print(f"refused {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")


if __name__ == "__main__":
    main()
