// An issuer built on Digital Bazaar's libraries (the ones Learner Credential Wallet, VerifierPlus and the DCC issuer
// build on): a fresh did:key issuer signs a credential with a named cryptosuite. Shares no code with the Python
// backpack, only the JSON-LD context files of verifier/contexts.
//
//   node sign-credential.mjs SUITE REQUEST.json
//
// SUITE: eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019 (P-256; add ":P-384" for P-384),
// ecdsa-sd-2023 (a base proof, then the proof a holder derives from it), Ed25519Signature2018.
// REQUEST is {"credential": {...unsigned, its issuer set to the new did:key...},
//             "mandatoryPointers": [...], "selectivePointers": [...]}   (the pointers: ecdsa-sd-2023 only)
// Prints the signed (for ecdsa-sd-2023: derived) credential on stdout.

import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as ecdsaJcs2019 from '@digitalbazaar/ecdsa-jcs-2019-cryptosuite';
import {cryptosuite as ecdsaRdfc2019} from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as ecdsaSd2023 from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import {Ed25519Signature2018} from '@digitalbazaar/ed25519-signature-2018';
import {Ed25519VerificationKey2018} from '@digitalbazaar/ed25519-verification-key-2018';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as eddsaJcs2022 from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import jsigs from 'jsonld-signatures';

const {AssertionProofPurpose} = jsigs.purposes;
const here = dirname(fileURLToPath(import.meta.url));
const contextsDir = join(here, '..', '..', 'verifier', 'contexts');
const index = JSON.parse(readFileSync(join(contextsDir, 'INDEX.json'), 'utf8'));
const contexts = new Map();
for(const [url, entry] of Object.entries(index.contexts)) {
  const document = JSON.parse(readFileSync(join(contextsDir, entry.file), 'utf8'));
  for(const name of [url, ...(entry.aliases || [])]) {
    contexts.set(name, document);
  }
}
const didKey = didKeyDriver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
didKey.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});
didKey.use({multibaseMultikeyHeader: 'z82L', fromMultibase: EcdsaMultikey.from});

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
  }
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
  }
  throw new Error(`refused to load ${url}`);
}

async function newKey(kind) {
  if(kind === 'Ed25519VerificationKey2018') {
    const key = await Ed25519VerificationKey2018.generate();
    const did = `did:key:${key.fingerprint()}`;
    key.controller = did;
    key.id = `${did}#${key.fingerprint()}`;
    return {did, key};
  }
  const key = kind === 'Ed25519' ?
    await Ed25519Multikey.generate() : await EcdsaMultikey.generate({curve: kind});
  const did = `did:key:${key.publicKeyMultibase}`;
  key.controller = did;
  key.id = `${did}#${key.publicKeyMultibase}`;
  return {did, key};
}

const [suiteArg, requestPath] = process.argv.slice(2);
const [suiteName, curve = 'P-256'] = suiteArg.split(':');
const request = JSON.parse(readFileSync(requestPath, 'utf8'));
const kinds = {
  'eddsa-rdfc-2022': 'Ed25519', 'eddsa-jcs-2022': 'Ed25519', 'ecdsa-rdfc-2019': curve, 'ecdsa-jcs-2019': curve,
  'ecdsa-sd-2023': 'P-256', Ed25519Signature2018: 'Ed25519VerificationKey2018'
};
if(!(suiteName in kinds)) {
  console.error(`unknown suite ${suiteName}`);
  process.exit(2);
}
const {did, key} = await newKey(kinds[suiteName]);
const credential = structuredClone(request.credential);
if(credential.issuer && typeof credential.issuer === 'object') {
  credential.issuer.id = did;
} else {
  credential.issuer = did;
}

let suite;
if(suiteName === 'Ed25519Signature2018') {
  suite = new Ed25519Signature2018({key});
} else {
  const cryptosuite = {
    'eddsa-rdfc-2022': eddsaRdfc2022,
    'eddsa-jcs-2022': eddsaJcs2022.createSignCryptosuite(),
    'ecdsa-rdfc-2019': ecdsaRdfc2019,
    'ecdsa-jcs-2019': ecdsaJcs2019.createSignCryptosuite(),
    'ecdsa-sd-2023': ecdsaSd2023.createSignCryptosuite({mandatoryPointers: request.mandatoryPointers || []})
  }[suiteName];
  suite = new DataIntegrityProof({signer: key.signer(), cryptosuite});
}
let signed = await jsigs.sign(credential, {suite, purpose: new AssertionProofPurpose(), documentLoader});
if(suiteName === 'ecdsa-sd-2023') {
  const disclose = new DataIntegrityProof({
    cryptosuite: ecdsaSd2023.createDiscloseCryptosuite({selectivePointers: request.selectivePointers || []})
  });
  signed = await jsigs.derive(signed, {suite: disclose, purpose: new AssertionProofPurpose(), documentLoader});
}
console.log(JSON.stringify(signed));
