// Digital Bazaar's verifier on the benchmark's credentials, for bench/run.py: the same credentials the backpack
// verifies, one after another in one Node process (cold = the first, warm = the mean of the rest).
//
//   node bench/db-verify.mjs CREDENTIALS.json
//
// CREDENTIALS.json is an array of eddsa-rdfc-2022 credentials issued by a did:key. The packages are the ones
// tests/interop installs (npm ci there); the document loader serves the contexts bundled in verifier/contexts and
// did:key documents, offline, as tests/interop/verify-proof.mjs does. Prints {"cold_ms", "warm_ms", "verified"}.

import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const interop = createRequire(join(here, '..', 'tests', 'interop', 'package.json'));
const load = async name => import(pathToFileURL(interop.resolve(name)).href);

const {DataIntegrityProof} = await load('@digitalbazaar/data-integrity');
const {driver: didKeyDriver} = await load('@digitalbazaar/did-method-key');
const Ed25519Multikey = await load('@digitalbazaar/ed25519-multikey');
const {cryptosuite: eddsaRdfc2022} = await load('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const vc = await load('@digitalbazaar/vc');
const jsigs = (await load('jsonld-signatures')).default;

const contextsDir = join(here, '..', 'verifier', 'contexts');
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

const credentials = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const times = [];
let verified = 0;
for(const credential of credentials) {
  const started = process.hrtime.bigint();
  const result = await vc.verifyCredential({
    credential,
    suite: new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    purpose: new jsigs.purposes.AssertionProofPurpose(),
    documentLoader,
    checkStatus: async () => ({verified: true})
  });
  times.push(Number(process.hrtime.bigint() - started) / 1e6);
  verified += result.verified ? 1 : 0;
}
const warm = times.slice(1);
console.log(JSON.stringify({
  cold_ms: times[0],
  warm_ms: warm.reduce((a, b) => a + b, 0) / Math.max(warm.length, 1),
  verified,
  total: credentials.length
}));
