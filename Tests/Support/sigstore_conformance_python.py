"""The independent verifier's verdict on each sigstore-conformance bundle-verify case.

Runs sigstore-python (PyPI `sigstore`, pinned in scripts/python-tools) offline on every case
directory under the given path, the way the conformance harness does (artifact or a.txt,
identity/issuer files or the defaults, key.pub, trusted_root.json or the public-good root
shipped with our library), and prints one line per case: `<name> verified` or
`<name> refused <reason>`. Usage: sigstore_conformance_python.py CASES_DIR PUBLIC_GOOD_ROOT
"""
import sys
from pathlib import Path

from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier, policy

DEFAULT_IDENTITY = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
DEFAULT_ISSUER = "https://token.actions.githubusercontent.com"


def verdict(case: Path, public_good: Path) -> str:
    root_path = case / "trusted_root.json"
    root = TrustedRoot.from_file(str(root_path if root_path.exists() else public_good))
    artifact = (case / "artifact") if (case / "artifact").exists() else case.parent / "a.txt"
    bundle = Bundle.from_json((case / "bundle.sigstore.json").read_bytes())
    verifier = Verifier(trusted_root=root)
    identity = (case / "identity").read_text().strip() if (case / "identity").exists() else DEFAULT_IDENTITY
    issuer = (case / "issuer").read_text().strip() if (case / "issuer").exists() else DEFAULT_ISSUER
    identity_policy = policy.Identity(identity=identity, issuer=issuer)
    if bundle._dsse_envelope is not None:
        import hashlib, json
        payload_type, payload = verifier.verify_dsse(bundle, identity_policy)
        digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
        subjects = [s.get("digest", {}).get("sha256") for s in json.loads(payload).get("subject", [])]
        if digest not in subjects:
            raise ValueError("no subject has the artifact's digest")
    else:
        verifier.verify_artifact(artifact.read_bytes(), bundle, identity_policy)
    return "verified"


def main() -> None:
    cases, public_good = Path(sys.argv[1]), Path(sys.argv[2])
    for case in sorted(p for p in cases.iterdir() if p.is_dir()):
        try:
            print(f"{case.name} {verdict(case, public_good)}")
        except Exception as e:  # every refusal, whatever its type
            print(f"{case.name} refused {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")


if __name__ == "__main__":
    main()
