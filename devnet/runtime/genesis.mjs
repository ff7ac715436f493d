// Writes the raw chain spec of one profile of the Causeway dev runtime:
//
//   node devnet/runtime/genesis.mjs <polkadot-dev|astar-dev>
//
// reads   devnet/runtime/out/<profile>.wasm
// writes  devnet/runtime/out/<profile>.json
//
// It runs the runtime in chopsticks' wasm executor on empty storage: `GenesisBuilder_get_preset`
// for the default config (None) and for the `development` patch, merges the patch onto the
// default (JSON merge patch, as the chain-spec builder does), calls `GenesisBuilder_build_state`
// with the result and puts the storage it wrote, plus `:code` = the wasm, into `genesis.raw.top`.
// chopsticks (`--genesis`) accepts only such raw specs. Note that chopsticks answers
// `system_chain` with the spec's `id` and `system_name` with its `name`.
//
// The chopsticks packages are taken from `toolchain/node_modules` of this checkout, or from the
// `node_modules` directory named by CAUSEWAY_NODE_MODULES.

import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PROFILES = {
  'polkadot-dev': {
    name: 'Causeway Polkadot Dev',
    id: 'causeway-polkadot-dev',
    specName: 'causeway-polkadot-dev',
    properties: { ss58Format: 0, tokenDecimals: 10, tokenSymbol: 'DOT' },
  },
  'astar-dev': {
    name: 'Causeway Astar Dev',
    id: 'causeway-astar-dev',
    specName: 'causeway-astar-dev',
    properties: { ss58Format: 5, tokenDecimals: 18, tokenSymbol: 'ASTR' },
  },
};
const PRESET = 'development';
const CODE_KEY = '0x3a636f6465'; // ":code"

const here = path.dirname(fileURLToPath(import.meta.url));
const nodeModules =
  process.env.CAUSEWAY_NODE_MODULES ?? path.resolve(here, '../../toolchain/node_modules');
const require = createRequire(path.join(nodeModules, 'noop.js'));
const core = require('@acala-network/chopsticks-core');
const { compactToU8a, compactFromU8a, u8aConcat, u8aToHex, hexToU8a, u8aToString, stringToU8a } =
  require('@polkadot/util');

const profileName = process.argv[2];
const profile = PROFILES[profileName];
if (!profile) {
  console.error(`usage: node genesis.mjs <${Object.keys(PROFILES).join('|')}>`);
  process.exit(2);
}
const outDir = path.join(here, 'out');
const wasmPath = path.join(outDir, `${profileName}.wasm`);
const specPath = path.join(outDir, `${profileName}.json`);

// SCALE helpers for the few types the GenesisBuilder API uses.
const encodeBytes = (u8a) => u8aConcat(compactToU8a(u8a.length), u8a);
const decodeBytes = (u8a) => {
  const [offset, length] = compactFromU8a(u8a);
  return u8a.subarray(offset, offset + length.toNumber());
};

// Empty storage: every read misses.
const emptyStorage = {
  ...core.emptyTaskHandler,
  getStorage: async () => undefined,
  getNextKey: async () => undefined,
};

async function call(wasm, method, args) {
  const response = await core.runTask(
    { wasm, calls: [[method, args]], mockSignatureHost: false, allowUnresolvedImports: false, runtimeLogLevel: 0 },
    emptyStorage,
  );
  if ('Error' in response) throw new Error(`${method}: ${response.Error}`);
  return response.Call;
}

// `GenesisBuilder_get_preset(Option<PresetId>) -> Option<Vec<u8>>`, the JSON parsed.
async function getPreset(wasm, id) {
  const arg = id === null ? '0x00' : u8aToHex(u8aConcat([1], encodeBytes(stringToU8a(id))));
  const out = hexToU8a((await call(wasm, 'GenesisBuilder_get_preset', [arg])).result);
  if (out[0] !== 1) throw new Error(`the runtime has no genesis preset ${id ?? '(default)'}`);
  return parseExact(u8aToString(decodeBytes(out.subarray(1))));
}

// JSON with integers beyond 2^53 (balances: 10^24 on astar-dev) kept exact: such literals
// (outside strings) become marker strings on parsing and bare digits again on printing.
const EXACT = '@exact-integer:';
const parseExact = (text) =>
  JSON.parse(
    text.replace(/"(?:[^"\\]|\\.)*"|-?\d{16,}/g, (m) => (m.startsWith('"') ? m : `"${EXACT}${m}"`)),
  );
const stringifyExact = (value) =>
  JSON.stringify(value).replace(new RegExp(`"${EXACT}(-?\\d+)"`, 'g'), (_, digits) => digits);

// RFC 7386 JSON merge patch: objects merge key by key, anything else replaces, null removes.
function merge(base, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result = base !== null && typeof base === 'object' && !Array.isArray(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = merge(result[key], value);
  }
  return result;
}

async function main() {
  const wasm = u8aToHex(readFileSync(wasmPath));
  const version = await core.getRuntimeVersion(wasm);
  if (version.specName !== profile.specName) {
    throw new Error(`${wasmPath} is ${version.specName}, expected ${profile.specName}`);
  }
  const config = merge(await getPreset(wasm, null), await getPreset(wasm, PRESET));
  const json = stringToU8a(stringifyExact(config));
  const built = await call(wasm, 'GenesisBuilder_build_state', [u8aToHex(encodeBytes(json))]);
  const result = hexToU8a(built.result);
  if (result[0] !== 0) {
    throw new Error(`GenesisBuilder_build_state: ${u8aToString(decodeBytes(result.subarray(1)))}`);
  }
  const top = {};
  for (const [key, value] of built.storageDiff) {
    if (value !== null) top[key] = value;
  }
  top[CODE_KEY] = wasm;
  const sorted = Object.fromEntries(Object.keys(top).sort().map((k) => [k, top[k]]));
  const spec = {
    name: profile.name,
    id: profile.id,
    chainType: 'Development',
    bootNodes: [],
    telemetryEndpoints: null,
    protocolId: null,
    properties: profile.properties,
    codeSubstitutes: {},
    genesis: { raw: { top: sorted, childrenDefault: {} } },
  };
  const tmp = `${specPath}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(spec, null, 2)}\n`);
  renameSync(tmp, specPath);
  console.log(
    `${path.relative(process.cwd(), specPath)}: ${version.specName} spec ${version.specVersion}, ` +
      `${Object.keys(sorted).length} storage keys, preset ${PRESET}`,
  );
}

try {
  await main();
} catch (e) {
  console.error(`genesis.mjs: ${e.message ?? e}`);
  process.exitCode = 1;
} finally {
  await core.destroyWorker();
}
