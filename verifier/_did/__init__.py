"""Keys and their controllers: decentralized identifiers (did:key, did:jwk, did:web), key documents at https URLs,
multikey and JWK encodings. Resolution fetches through the caller's fetcher; decoding is pure."""
