// Signs Hearth orders with ethers v6 exactly as docs/orders.md ("Signing without the CLI") tells a JavaScript user to,
// and prints the result as JSON. Run by EthersSigningTests; by hand:
//
//   echo '{"key":"0x…","domain":{"chainId":31337,"verifyingContract":"0x…"},
//          "orders":{"AppOrder":{…message…},"RequestOrder":{…message…}}}' | node sign-orders.mjs
//
// Output: { "address": "0x…", "orders": { "<Type>": { "message", "hash", "signature" } },
//           "refusedWithDomainType": "<ethers' error when EIP712Domain is also listed in types>" }
// `ethers` is resolved from the repository root's node_modules (npm ci).
import { Wallet, TypedDataEncoder } from "ethers";

// The `types` argument of ethers' signTypedData: one order type, no EIP712Domain (ethers derives it from the domain).
const TYPES = {
  AppOrder: [
    { name: "app", type: "uint256" },
    { name: "appprice", type: "uint256" },
    { name: "volume", type: "uint256" },
    { name: "tag", type: "bytes32" },
    { name: "datasetrestrict", type: "uint256" },
    { name: "workerpoolrestrict", type: "uint256" },
    { name: "requesterrestrict", type: "address" },
    { name: "expiry", type: "uint256" },
    { name: "salt", type: "bytes32" },
  ],
  DatasetOrder: [
    { name: "dataset", type: "uint256" },
    { name: "datasetprice", type: "uint256" },
    { name: "volume", type: "uint256" },
    { name: "tag", type: "bytes32" },
    { name: "apprestrict", type: "uint256" },
    { name: "workerpoolrestrict", type: "uint256" },
    { name: "requesterrestrict", type: "address" },
    { name: "expiry", type: "uint256" },
    { name: "salt", type: "bytes32" },
  ],
  WorkerpoolOrder: [
    { name: "workerpool", type: "uint256" },
    { name: "workerpoolprice", type: "uint256" },
    { name: "volume", type: "uint256" },
    { name: "tag", type: "bytes32" },
    { name: "category", type: "uint256" },
    { name: "trust", type: "uint256" },
    { name: "apprestrict", type: "uint256" },
    { name: "datasetrestrict", type: "uint256" },
    { name: "requesterrestrict", type: "address" },
    { name: "expiry", type: "uint256" },
    { name: "salt", type: "bytes32" },
  ],
  RequestOrder: [
    { name: "app", type: "uint256" },
    { name: "appmaxprice", type: "uint256" },
    { name: "dataset", type: "uint256" },
    { name: "datasetmaxprice", type: "uint256" },
    { name: "workerpool", type: "uint256" },
    { name: "workerpoolmaxprice", type: "uint256" },
    { name: "requester", type: "address" },
    { name: "volume", type: "uint256" },
    { name: "tag", type: "bytes32" },
    { name: "category", type: "uint256" },
    { name: "trust", type: "uint256" },
    { name: "beneficiary", type: "address" },
    { name: "callback", type: "address" },
    { name: "params", type: "string" },
    { name: "expiry", type: "uint256" },
    { name: "salt", type: "bytes32" },
  ],
};

const EIP712_DOMAIN = [
  { name: "name", type: "string" },
  { name: "version", type: "string" },
  { name: "chainId", type: "uint256" },
  { name: "verifyingContract", type: "address" },
];

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const input = JSON.parse(await readStdin());
const wallet = new Wallet(input.key);
const domain = {
  name: "Hearth",
  version: "1",
  chainId: BigInt(input.domain.chainId),
  verifyingContract: input.domain.verifyingContract,
};

const orders = {};
for (const [type, message] of Object.entries(input.orders)) {
  if (!TYPES[type]) throw new Error(`unknown order type ${type}`);
  const types = { [type]: TYPES[type] };
  orders[type] = {
    message,
    hash: TypedDataEncoder.hash(domain, types, message),
    signature: await wallet.signTypedData(domain, types, message),
  };
}

// What the old documentation said to do: ethers refuses it.
let refusedWithDomainType = null;
const [firstType, firstMessage] = Object.entries(input.orders)[0];
try {
  await wallet.signTypedData(domain, { EIP712Domain: EIP712_DOMAIN, [firstType]: TYPES[firstType] }, firstMessage);
} catch (e) {
  refusedWithDomainType = e.shortMessage ?? e.message;
}

process.stdout.write(JSON.stringify({ address: wallet.address, orders, refusedWithDomainType }) + "\n");
