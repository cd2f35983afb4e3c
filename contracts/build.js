// Compiles contracts/src with solc-js (pinned in package.json) and writes out/Hearth.json:
// { "<Contract>": { "abi": [...], "bytecode": "0x..." } } for every deployable contract.
// The C# side embeds that file; nothing is copied by hand.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');
const settings = require('./solc-settings.json');

const root = path.resolve(__dirname, '..');
const srcDir = path.join(__dirname, 'src');
const outDir = path.join(__dirname, 'out');

function listSources(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listSources(p);
    return e.name.endsWith('.sol') ? [p] : [];
  });
}

function findImport(importPath) {
  for (const base of [root, path.join(root, 'node_modules'), __dirname]) {
    const p = path.join(base, importPath);
    if (fs.existsSync(p)) return { contents: fs.readFileSync(p, 'utf8') };
  }
  return { error: `File not found: ${importPath}` };
}

const sources = {};
for (const file of listSources(srcDir)) {
  sources[path.relative(root, file)] = { content: fs.readFileSync(file, 'utf8') };
}

const input = {
  language: 'Solidity',
  sources,
  settings: { ...settings, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } } },
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
for (const e of output.errors || []) {
  const own = e.sourceLocation && e.sourceLocation.file.startsWith('contracts/');
  if (e.severity === 'error' || own) console.error(e.formattedMessage);
}
if (errors.length > 0) process.exit(1);

const artifacts = {};
for (const [file, contracts] of Object.entries(output.contracts)) {
  if (!file.startsWith('contracts/src/')) continue;
  for (const [name, c] of Object.entries(contracts)) {
    if (!c.evm.bytecode.object || c.abi.length === 0) continue; // interfaces, abstract contracts, internal libraries
    const runtime = c.evm.deployedBytecode.object.length / 2;
    if (runtime > 24576) console.error(`warning: ${name} runtime size ${runtime} bytes exceeds the EIP-170 limit`);
    artifacts[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object, runtimeSize: runtime };
  }
}
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'Hearth.json'), JSON.stringify(artifacts, null, 1));
console.log(`contracts: ${Object.keys(artifacts).map((n) => `${n} (${artifacts[n].runtimeSize} B)`).join(', ')}`);
