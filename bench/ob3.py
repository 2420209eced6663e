"""OB 3.0 throughput: credentials/s for eddsa-rdfc-2022 (Data Integrity) and VC-JWT, cold and warm.

    .venv/bin/python bench/ob3.py [--credentials 200]

Credentials are signed here by a did:key issuer (so no network is involved) and verified one at a time with
``verify`` in this process. "cold" is the first verification of each kind (after signing, which already processed
the top-level contexts: what remains is loading the OB 3.0 modules and the contexts scoped to types); "warm" is the
mean over the rest, "CPU" the mean CPU time of all. Target: warm <= 4 ms, and no slower than Digital Bazaar's
JavaScript verifier; the JSON-LD steps (expansion, RDFC-1.0) are split out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
import warnings
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jws
from joserfc.jwk import OKPKey

from verifier import FetchPolicy, VerifierPolicy, classify_payload, verify
from verifier._did.keys import encode_multikey
from verifier._jsonld import canonicalize, expand_safely
from verifier._ob3.integrity import expanded_without_proof, sign_eddsa_rdfc_2022
from verifier._ob3.suites.base import proof_config


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


def _mean_ms(operation: Any, items: list[Any]) -> tuple[float, float]:
    """Mean wall and CPU milliseconds of ``operation`` over ``items``."""
    wall, cpu = time.perf_counter(), time.process_time()
    for item in items:
        operation(item)
    return (time.perf_counter() - wall) * 1000 / len(items), (time.process_time() - cpu) * 1000 / len(items)


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
        cpu = time.process_time()
        durations = _time(sources, policy)
        cpu_each = (time.process_time() - cpu) * 1000 / len(sources)
        warm = statistics.mean(durations[1:])
        rows.append((label, durations[0] * 1000, warm * 1000, cpu_each, 1 / warm))

    # The steps of an eddsa-rdfc-2022 verification that are JSON-LD, warm: what the signature check costs beyond
    # Ed25519 itself.
    sample = signed[: min(50, len(signed))]
    expansions = [expanded_without_proof(expand_safely(c)[0]) for c in sample]
    steps = {
        "safe-mode expansion": _mean_ms(expand_safely, sample),
        "RDFC-1.0 of the expansion": _mean_ms(lambda e: canonicalize(e, expanded=True), expansions),
        "RDFC-1.0 of the proof options": _mean_ms(lambda c: canonicalize(proof_config(c, c["proof"])), sample),
    }

    print(f"{args.credentials} credentials per kind, verified one by one (offline, did:key issuer)")
    print(f"{'proof':<18} {'cold ms':>9} {'warm ms':>9} {'CPU ms':>8} {'credentials/s':>14}")
    for label, cold, warm, cpu_each, rate in rows:
        print(f"{label:<18} {cold:9.1f} {warm:9.2f} {cpu_each:8.2f} {rate:14.0f}")
    print("JSON-LD steps of one eddsa-rdfc-2022 verification (warm):")
    for step, (wall_ms, cpu_ms) in steps.items():
        print(f"  {step:<32} {wall_ms:6.2f} ms ({cpu_ms:.2f} ms CPU)")
    print("reference: Digital Bazaar's JavaScript verifier, bench/run.py --only ob3 measures it in the same run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
