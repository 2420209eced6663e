// Another wallet's presentation, made with Digital Bazaar's libraries (the ones Learner Credential Wallet and
// VerifierPlus build on): a fresh Ed25519 did:key holder signs a Verifiable Presentation for authentication, with a
// verifier's challenge and domain, holding the credentials given. Shares no code with the Python backpack.
//
//   node sign-presentation.mjs REQUEST.json
//
// REQUEST is {"presentation": {...unsigned VP, without holder...}, "challenge": "...", "domain": "..."}.
// Prints the signed presentation (its holder set to the new did:key) on stdout.

import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';

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

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
  }
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
  }
  throw new Error(`refused to load ${url}`);
}

const request = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const keyPair = await Ed25519Multikey.generate();
const did = `did:key:${keyPair.publicKeyMultibase}`;
keyPair.controller = did;
keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
const signer = keyPair.signer();
const suite = new DataIntegrityProof({signer, cryptosuite: eddsaRdfc2022});
const presentation = {...request.presentation, holder: did};
const signed = await vc.signPresentation({
  presentation, suite, challenge: request.challenge, domain: request.domain, documentLoader
});
console.log(JSON.stringify(signed));
