"""OB 3.0 throughput: credentials/s for eddsa-rdfc-2022 (Data Integrity) and VC-JWT, cold and warm.

    .venv/bin/python bench/ob3.py [--credentials 200]

Credentials are signed here by a did:key issuer (so no network is involved) and verified one at a time with
``verify`` in this process. "cold" is the first verification of each kind, before PyLD has processed any context;
"warm" is the mean over the rest. Target: per credential no slower than Digital Bazaar's JavaScript verifier
(~3-4 ms on these machines); canonicalization is the cost to attack, so the report splits it out.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import statistics
import sys
import time
import warnings

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.jwk import OKPKey

from verifier import FetchPolicy, VerifierPolicy, classify_payload, verify
from verifier._did.keys import encode_multikey
from verifier._jsonld import canonicalize
from verifier._ob3.integrity import sign_eddsa_rdfc_2022


def _credential(issuer: str, number: int) -> dict[str, object]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Benchmark badge {number}",
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Bench Academy"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$" + hashlib.sha256(f"learner{number}@example.com".encode()).hexdigest(),
                    "identityType": "emailAddress",
                    "hashed": True,
                }
            ],
            "achievement": {
                "id": f"https://bench.example/achievements/{number % 10}",
                "type": ["Achievement"],
                "name": f"Skill {number % 10}",
                "description": "A benchmark achievement with a short description.",
                "criteria": {"narrative": "Complete the benchmark."},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "Digital competence",
                        "targetUrl": "http://data.europa.eu/esco/skill/S5",
                        "targetFramework": "ESCO",
                    }
                ],
            },
        },
    }


def _time(sources: list[object], policy: VerifierPolicy) -> list[float]:
    durations = []
    for source in sources:
        started = time.perf_counter()
        report = verify(source, policy=policy)  # type: ignore[arg-type]
        durations.append(time.perf_counter() - started)
        if report.status != "valid":
            raise SystemExit(f"benchmark credential did not verify: {report.decisive_check}")
    return durations


def signed_credentials(count: int) -> tuple[list[dict[str, object]], list[str]]:
    """``count`` eddsa-rdfc-2022 credentials and ``count`` VC-JWTs (EdDSA), all by one did:key issuer."""
    key = Ed25519PrivateKey.generate()
    multikey = encode_multikey(key.public_key())
    issuer, method = f"did:key:{multikey}", f"did:key:{multikey}#{multikey}"
    signed = [
        sign_eddsa_rdfc_2022(_credential(issuer, n), key, method, created="2025-01-01T00:00:00Z") for n in range(count)
    ]
    jwk = OKPKey.import_key(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tokens = [
            jws.serialize_compact(
                {"alg": "EdDSA", "kid": method},
                json.dumps({**_credential(issuer, n), "iss": issuer, "jti": _credential(issuer, n)["id"]}).encode(),
                jwk,
                algorithms=["EdDSA"],
            )
            for n in range(count)
        ]
    return signed, tokens


def cold_and_warm(sources: list[object]) -> tuple[float, float]:
    """Seconds for the first verification in this process and the mean of the others."""
    durations = _time(sources, VerifierPolicy(fetch=FetchPolicy(offline=True)))
    return durations[0], statistics.mean(durations[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=200)
    args = parser.parse_args()
    signed, tokens = signed_credentials(args.credentials)
    policy = VerifierPolicy(fetch=FetchPolicy(offline=True))

    rows = []
    for label, sources in (
        ("eddsa-rdfc-2022", [classify_payload(json.dumps(c)) for c in signed]),
        ("VC-JWT (EdDSA)", [classify_payload(t) for t in tokens]),
    ):
        durations = _time(sources, policy)
        warm = statistics.mean(durations[1:])
        rows.append((label, durations[0] * 1000, warm * 1000, 1 / warm))

    canon = []
    for credential in signed[: min(50, len(signed))]:
        document = copy.deepcopy(credential)
        document.pop("proof")
        started = time.perf_counter()
        canonicalize(document)
        canon.append(time.perf_counter() - started)

    print(f"{args.credentials} credentials per kind, verified one by one (offline, did:key issuer)")
    print(f"{'proof':<18} {'cold ms':>9} {'warm ms':>9} {'credentials/s':>14}")
    for label, cold, warm, rate in rows:
        print(f"{label:<18} {cold:9.1f} {warm:9.2f} {rate:14.0f}")
    print(f"canonicalization of one credential (RDFC-1.0): {statistics.mean(canon) * 1000:.2f} ms (warm)")
    print("reference: Digital Bazaar's JavaScript verifier, ~3-4 ms per Data Integrity credential on these machines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
