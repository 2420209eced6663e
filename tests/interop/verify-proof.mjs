// An independent verifier for the backpack's Data Integrity proofs, built on Digital Bazaar's libraries
// (jsonld.js, rdf-canonize, jsonld-signatures, @digitalbazaar/data-integrity, eddsa-rdfc-2022 cryptosuite,
// did:key driver, @digitalbazaar/vc). Shares no code with the Python verifier: only the JSON-LD context files.
//
//   node verify-proof.mjs DOCUMENT.json
//   node verify-proof.mjs --challenge C --domain D PRESENTATION.json   (a holder proof for authentication)
//   node verify-proof.mjs --nquads DOCUMENT.json   (diagnostics: the RDFC-1.0 canonical N-Quads of the document
//                                                   without its proof, and of its proof configuration, as hashed)
//
// DOCUMENT is a Verifiable Presentation (the backpack's portfolio bundle) or a Verifiable Credential signed with a
// DataIntegrityProof (eddsa-rdfc-2022, proofPurpose assertionMethod, key in a did:key).
//  - A presentation: its own (holder) proof is checked with jsigs.verify, with an AuthenticationProofPurpose and the
//    challenge and domain given on the command line when the proof is for authentication, else with an
//    AssertionProofPurpose (the backpack's exported bundles). Embedded JSON credentials are
//    checked too, proof only, and reported under "credentials"; they do not change "verified".
//  - A credential: @digitalbazaar/vc verifyCredential (data model checks, validity dates, the issuer's proof).
//    Status is not checked (the status list lives in the backpack's cache, not here).
//
// The document loader serves only the context files bundled in verifier/contexts (by INDEX.json, with aliases) and
// did:key documents resolved offline; anything else is refused, so nothing is ever fetched from the network.
//
// Prints {"verified": bool, "error": string|null, ...} on stdout; exits 0 when verified, 1 when not, 2 on misuse.

import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';
import jsigs from 'jsonld-signatures';

const {AssertionProofPurpose, AuthenticationProofPurpose} = jsigs.purposes;
const here = dirname(fileURLToPath(import.meta.url));
const contextsDir = join(here, '..', '..', 'verifier', 'contexts');

function bundledContexts() {
  const index = JSON.parse(readFileSync(join(contextsDir, 'INDEX.json'), 'utf8'));
  const contexts = new Map();
  for(const [url, entry] of Object.entries(index.contexts)) {
    const document = JSON.parse(readFileSync(join(contextsDir, entry.file), 'utf8'));
    for(const name of [url, ...(entry.aliases || [])]) {
      contexts.set(name, document);
    }
  }
  return contexts;
}

const contexts = bundledContexts();
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
  }
  if(url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(`refused to load ${url}: only the bundled contexts and did:key documents are served`);
}

function suite() {
  return new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
}

function types(document) {
  const type = document.type ?? document['@type'] ?? [];
  return Array.isArray(type) ? type : [type];
}

function message(error) {
  if(!error) {
    return null;
  }
  const errors = Array.isArray(error) ? error : (error.errors || [error]);
  return errors.map(describe).join('; ');
}

// An error's message and its causes' (jsonld.js wraps a document loader's error in details.cause).
function describe(error) {
  const parts = [];
  for(let e = error; e && parts.length < 5; e = e.cause ?? e.details?.cause) {
    parts.push(e.message || String(e));
  }
  return parts.join(': ');
}

// A holder proof for authentication answers a verifier's challenge (and names its domain): the expected ones are
// given on the command line, never read from the proof itself.
function holderPurpose(presentation, expected) {
  const proof = Array.isArray(presentation.proof) ? presentation.proof[0] : presentation.proof;
  if(proof?.proofPurpose === 'authentication') {
    return new AuthenticationProofPurpose({challenge: expected.challenge, domain: expected.domain});
  }
  return new AssertionProofPurpose();
}

async function verifyPresentation(presentation, expected) {
  const result = await jsigs.verify(presentation, {
    suite: suite(),
    purpose: holderPurpose(presentation, expected),
    documentLoader
  });
  const credentials = [];
  const embedded = presentation.verifiableCredential ?? [];
  for(const credential of Array.isArray(embedded) ? embedded : [embedded]) {
    if(!credential || typeof credential !== 'object' || !credential.proof) {
      continue; // an EnvelopedVerifiableCredential (VC-JWT) carries no Data Integrity proof
    }
    const one = await jsigs.verify(credential, {
      suite: suite(),
      purpose: new AssertionProofPurpose(),
      documentLoader
    });
    credentials.push({id: credential.id ?? null, verified: one.verified, error: message(one.error)});
  }
  return {verified: result.verified, error: message(result.error), checker: 'jsigs.verify', credentials};
}

async function verifyCredential(credential) {
  const result = await vc.verifyCredential({
    credential,
    suite: suite(),
    purpose: new AssertionProofPurpose(),
    documentLoader,
    checkStatus: async () => ({verified: true})
  });
  return {verified: result.verified, error: message(result.error), checker: 'vc.verifyCredential'};
}

// What eddsa-rdfc-2022 hashes: the document without `proof`, and the proof without `proofValue` carrying the
// document's @context, each canonicalized with RDFC-1.0 (safe mode, as the cryptosuite does).
async function nquads(document) {
  const canonize = input => jsonld.canonize(input, {
    algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true
  });
  const {proof, ...unsecured} = document;
  const {proofValue, ...config} = Array.isArray(proof) ? proof[0] : (proof || {});
  return {
    document: await canonize(unsecured),
    proofConfig: proof ? await canonize({...config, '@context': document['@context']}) : null
  };
}

async function main() {
  const args = process.argv.slice(2);
  const expected = {};
  for(const name of ['challenge', 'domain']) {
    const at = args.indexOf(`--${name}`);
    if(at >= 0) {
      expected[name] = args[at + 1];
      args.splice(at, 2);
    }
  }
  const diagnostics = args[0] === '--nquads';
  const path = diagnostics ? args[1] : args[0];
  if(!path) {
    console.error('usage: node verify-proof.mjs [--nquads] DOCUMENT.json');
    return 2;
  }
  if(diagnostics) {
    console.log(JSON.stringify(await nquads(JSON.parse(readFileSync(path, 'utf8')))));
    return 0;
  }
  let outcome;
  try {
    const document = JSON.parse(readFileSync(path, 'utf8'));
    if(types(document).includes('VerifiablePresentation')) {
      outcome = await verifyPresentation(document, expected);
    } else if(types(document).includes('VerifiableCredential')) {
      outcome = await verifyCredential(document);
    } else {
      outcome = {verified: false, error: 'neither a VerifiablePresentation nor a VerifiableCredential'};
    }
  } catch(error) {
    outcome = {verified: false, error: message(error)};
  }
  console.log(JSON.stringify(outcome));
  return outcome.verified ? 0 : 1;
}

process.exitCode = await main();
