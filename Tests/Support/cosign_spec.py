#!/usr/bin/env python3
"""An independent cosign-format signer/verifier for the tests, written from cosign's
specs (specs/SIGNATURE_SPEC.md, specs/ATTESTATION_SPEC.md), the DSSE v1 spec and
go-securesystemslib's encrypted-key format, NOT from this package's Swift code.

Primitives: PyPI `cryptography` (ECDSA P-256, PKCS#8/PKIX) and `pynacl` (secretbox);
scrypt from Python's hashlib (OpenSSL). The registry is spoken to with plain urllib over
HTTP (the test bed's loopback registry has no auth).

Commands (password from COSIGN_PASSWORD):
  keygen PREFIX                         write PREFIX.key (encrypted) and PREFIX.pub
  load-key KEYFILE                      decrypt a private key, print its public key PEM
  sign KEYFILE REGISTRY REPO DIGEST     sign and append to REPO:sha256-<hex>.sig
  verify PUBFILE REGISTRY REPO DIGEST   verify; exit 0 only when valid, else print why
  verify-attestation PUBFILE REGISTRY REPO DIGEST PREDICATE_TYPE
"""
import base64
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

import nacl.exceptions
import nacl.secret
import nacl.utils
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE = "application/vnd.dsse.envelope.v1+json"
SIG_ANNOTATION = "dev.cosignproject.cosign/signature"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
ACCEPT = ", ".join([
    OCI_MANIFEST, "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])


def password():
    return os.environ.get("COSIGN_PASSWORD", "").encode()


def pem_block(text):
    lines = [l.strip() for l in text.strip().splitlines()]
    kind = lines[0][len("-----BEGIN "):-5]
    return kind, base64.b64decode("".join(lines[1:-1]))


def pem_text(kind, data):
    b = base64.b64encode(data).decode()
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (kind, "\n".join(b[i:i + 64] for i in range(0, len(b), 64)), kind)


def decrypt_key(path):
    kind, body = pem_block(open(path).read())
    if kind not in ("ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"):
        raise SystemExit("unexpected PEM type " + kind)
    doc = json.loads(body)
    assert doc["kdf"]["name"] == "scrypt" and doc["cipher"]["name"] == "nacl/secretbox"
    p = doc["kdf"]["params"]
    key = hashlib.scrypt(password(), salt=base64.b64decode(doc["kdf"]["salt"]), n=p["N"], r=p["r"], p=p["p"], dklen=32, maxmem=1 << 28)
    plain = nacl.secret.SecretBox(key).decrypt(base64.b64decode(doc["ciphertext"]), base64.b64decode(doc["cipher"]["nonce"]))
    return serialization.load_der_private_key(plain, password=None)


def keygen(prefix):
    private = ec.generate_private_key(ec.SECP256R1())
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    salt = nacl.utils.random(32)
    nonce = nacl.utils.random(24)
    key = hashlib.scrypt(password(), salt=salt, n=32768, r=8, p=1, dklen=32, maxmem=1 << 28)
    box = nacl.secret.SecretBox(key).encrypt(der, nonce).ciphertext
    doc = {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1}, "salt": base64.b64encode(salt).decode()},
           "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
           "ciphertext": base64.b64encode(box).decode()}
    open(prefix + ".key", "w").write(pem_text("ENCRYPTED SIGSTORE PRIVATE KEY", json.dumps(doc).encode()))
    open(prefix + ".pub", "wb").write(private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def request(method, url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def push_blob(registry, repo, data):
    status, _, headers = request("POST", "http://%s/v2/%s/blobs/uploads/" % (registry, repo))
    assert status == 202, status
    location = headers["Location"]
    if location.startswith("/"):
        location = "http://" + registry + location
    sep = "&" if "?" in location else "?"
    status, body, _ = request("PUT", location + sep + "digest=" + sha256(data), data, {"Content-Type": "application/octet-stream"})
    assert status == 201, (status, body)


def get_manifest(registry, repo, ref):
    status, body, _ = request("GET", "http://%s/v2/%s/manifests/%s" % (registry, repo, ref), headers={"Accept": ACCEPT})
    return (json.loads(body), body) if status == 200 else (None, None)


def get_blob(registry, repo, digest):
    status, body, _ = request("GET", "http://%s/v2/%s/blobs/%s" % (registry, repo, digest))
    assert status == 200, status
    assert sha256(body) == digest, "blob digest mismatch"
    return body


def sig_tag(digest, suffix):
    return digest.replace(":", "-") + "." + suffix


def sign(keyfile, registry, repo, digest):
    private = decrypt_key(keyfile)
    # Spec: the critical section names the repository and the manifest digest.
    payload = json.dumps({"critical": {"identity": {"docker-reference": registry + "/" + repo},
                                       "image": {"docker-manifest-digest": digest},
                                       "type": "cosign container image signature"},
                          "optional": None}, separators=(",", ":")).encode()
    signature = private.sign(payload, ec.ECDSA(hashes.SHA256()))
    push_blob(registry, repo, payload)
    tag = sig_tag(digest, "sig")
    existing, _ = get_manifest(registry, repo, tag)
    layers = list(existing["layers"]) if existing else []
    layers.append({"mediaType": SIMPLESIGNING, "size": len(payload), "digest": sha256(payload),
                   "annotations": {SIG_ANNOTATION: base64.b64encode(signature).decode()}})
    config = json.dumps({"architecture": "", "os": "", "config": {}, "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode()
    push_blob(registry, repo, config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": len(config), "digest": sha256(config)},
                           "layers": layers}).encode()
    status, body, _ = request("PUT", "http://%s/v2/%s/manifests/%s" % (registry, repo, tag), manifest, {"Content-Type": OCI_MANIFEST})
    assert status == 201, (status, body)
    print("signed %s/%s@%s" % (registry, repo, digest))


def load_pub(path):
    return serialization.load_pem_public_key(open(path, "rb").read())


def verify(pubfile, registry, repo, digest):
    public = load_pub(pubfile)
    manifest, _ = get_manifest(registry, repo, sig_tag(digest, "sig"))
    if manifest is None:
        raise SystemExit("FAIL: no signature tag")
    reasons = []
    for layer in manifest.get("layers", []):
        if layer.get("mediaType") != SIMPLESIGNING:
            continue
        payload = get_blob(registry, repo, layer["digest"])
        try:
            public.verify(base64.b64decode(layer["annotations"][SIG_ANNOTATION]), payload, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, KeyError, ValueError) as error:
            reasons.append("signature: %r" % error)
            continue
        claims = json.loads(payload)["critical"]
        if claims["type"] != "cosign container image signature":
            reasons.append("type")
        elif claims["image"]["docker-manifest-digest"] != digest:
            reasons.append("digest: " + claims["image"]["docker-manifest-digest"])
        elif claims["identity"]["docker-reference"] != registry + "/" + repo:
            reasons.append("docker-reference: " + claims["identity"]["docker-reference"])
        else:
            print("OK: verified %s/%s@%s" % (registry, repo, digest))
            return
    raise SystemExit("FAIL: " + "; ".join(reasons or ["no simple-signing layers"]))


def verify_attestation(pubfile, registry, repo, digest, predicate_type):
    public = load_pub(pubfile)
    manifest, _ = get_manifest(registry, repo, sig_tag(digest, "att"))
    if manifest is None:
        raise SystemExit("FAIL: no attestation tag")
    for layer in manifest.get("layers", []):
        if layer.get("mediaType") != DSSE:
            continue
        envelope = json.loads(get_blob(registry, repo, layer["digest"]))
        body = base64.b64decode(envelope["payload"])
        kind = envelope["payloadType"].encode()
        # DSSE v1 pre-authentication encoding.
        pae = b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)
        for signature in envelope.get("signatures", []):
            try:
                public.verify(base64.b64decode(signature["sig"]), pae, ec.ECDSA(hashes.SHA256()))
            except InvalidSignature:
                continue
            statement = json.loads(body)
            subjects = [s["digest"].get("sha256") for s in statement["subject"]]
            if statement["_type"] == "https://in-toto.io/Statement/v1" and statement["predicateType"] == predicate_type \
                    and digest.split(":")[1] in subjects and layer["annotations"].get("predicateType") == predicate_type:
                print(json.dumps(statement["predicate"], sort_keys=True))
                return
    raise SystemExit("FAIL: no verified %s attestation" % predicate_type)


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "keygen":
        keygen(*args)
    elif command == "load-key":
        private = decrypt_key(args[0])
        sys.stdout.write(private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode())
    elif command == "sign":
        sign(*args)
    elif command == "verify":
        verify(*args)
    elif command == "verify-attestation":
        verify_attestation(*args)
    else:
        raise SystemExit("unknown command " + command)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except nacl.exceptions.CryptoError:
        raise SystemExit("FAIL: wrong password")
