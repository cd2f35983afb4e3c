#!/usr/bin/env node
// Lets forge use the npm solc-js (forge cannot download a native solc here):
// answers `--version` like native solc and compiles `--standard-json` from stdin.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require(path.join(__dirname, '..', 'node_modules', 'solc'));

const args = process.argv.slice(2);
if (args.includes('--version')) {
  console.log('solc, the solidity compiler commandline interface');
  console.log('Version: 0.8.37+commit.f401782d.Linux.g++');
  process.exit(0);
}
const bases = [process.cwd()];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--base-path' || args[i] === '--include-path') bases.push(path.resolve(args[++i]));
}
function findImport(p) {
  for (const b of bases) {
    const f = path.resolve(b, p);
    if (fs.existsSync(f)) return { contents: fs.readFileSync(f, 'utf8') };
  }
  return { error: `File not found: ${p}` };
}
const input = fs.readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImport }));
