// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// Orders are EIP-712 typed data (domain "Hearth", version "1"). Asset ids are registry token ids
/// (0 = none / any). Restrictions are an exact id or address, 0 meaning anyone. An expiry of 0
/// never expires; otherwise it is a unix time after which the order cannot be matched.

struct AppOrder {
    uint256 app;
    uint256 appprice;
    uint256 volume;
    bytes32 tag;
    uint256 datasetrestrict;
    uint256 workerpoolrestrict;
    address requesterrestrict;
    uint256 expiry;
    bytes32 salt;
}

struct DatasetOrder {
    uint256 dataset;
    uint256 datasetprice;
    uint256 volume;
    bytes32 tag;
    uint256 apprestrict;
    uint256 workerpoolrestrict;
    address requesterrestrict;
    uint256 expiry;
    bytes32 salt;
}

struct WorkerpoolOrder {
    uint256 workerpool;
    uint256 workerpoolprice;
    uint256 volume;
    bytes32 tag;
    uint256 category;
    uint256 trust;
    uint256 apprestrict;
    uint256 datasetrestrict;
    address requesterrestrict;
    uint256 expiry;
    bytes32 salt;
}

struct RequestOrder {
    uint256 app;
    uint256 appmaxprice;
    uint256 dataset;
    uint256 datasetmaxprice;
    uint256 workerpool;
    uint256 workerpoolmaxprice;
    address requester;
    uint256 volume;
    bytes32 tag;
    uint256 category;
    uint256 trust;
    address beneficiary;
    address callback;
    string params;
    uint256 expiry;
    bytes32 salt;
}

/// @notice The terms of a deal, fixed at matching. Only a 192-bit commitment to them is stored;
/// they are emitted in DealCreated and passed back as calldata to settle or claim.
struct Deal {
    uint256 app;
    address appOwner;
    uint96 appPrice;
    uint256 dataset;
    address datasetOwner;
    uint96 datasetPrice;
    uint256 workerpool;
    address poolOwner;
    address scheduler;
    uint96 poolPrice;
    address requester;
    address beneficiary;
    address callback;
    uint32 volume;
    uint32 trust;
    uint32 category;
    uint64 start;
    uint64 deadline;
    uint96 poolStake; // per task, locked from the pool owner until the task is settled or refunded
    uint96 workerStake; // per contribution, required from each worker, lost on disagreement
    uint8 schedulerShare; // percent of the pool price that the pool owner keeps
    bytes32 tag; // what the app, dataset and request ask for (features, resource tiers); the pool offers all of it
    // The hash of the block before the match, drawn by the chain: the stored commitment covers it, so terms that collide
    // with a deal's must be found in the one block time between that block and the match, not ahead of it.
    bytes32 seal;
}

/// @notice A worker's signed claim that task `task` of a deal produced the result `digest`
/// (the sha256 of its deterministic result archive). The signature is EIP-712 over
/// Contribution(bytes32 task,bytes32 digest), in EIP-2098 compact form (r, vs).
/// In a batch, contributions to the same task are adjacent and tasks are in increasing order.
struct Contribution {
    uint256 task; // index of the task in the deal
    bytes32 digest;
    bytes32 r;
    bytes32 vs;
}

/// @notice A run of one worker's lone results in one deal, signed once. The worker keeps a chain over
/// its results in the deal, head' = keccak256(abi.encode(head, task, digest)), and signs EIP-712
/// ResultChain(bytes32 deal,bytes32 head) after each; any contiguous stretch of that chain is proven by
/// the head before it (`start`) and the signature over the head after it. Only deals of trust 1 or 2,
/// where one contribution settles a task, are settled this way.
struct ResultRun {
    bytes32 start;
    bytes32 r;
    bytes32 vs;
    TaskResult[] results;
}

struct TaskResult {
    uint256 task;
    bytes32 digest;
}
