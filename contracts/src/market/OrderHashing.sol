// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AppOrder, DatasetOrder, WorkerpoolOrder, RequestOrder} from "./Types.sol";

/// @notice EIP-712 struct hashes of the orders and of a contribution.
library OrderHashing {
    bytes32 internal constant APP_ORDER_TYPEHASH = keccak256(
        "AppOrder(uint256 app,uint256 appprice,uint256 volume,bytes32 tag,uint256 datasetrestrict,uint256 workerpoolrestrict,address requesterrestrict,uint256 expiry,bytes32 salt)"
    );
    bytes32 internal constant DATASET_ORDER_TYPEHASH = keccak256(
        "DatasetOrder(uint256 dataset,uint256 datasetprice,uint256 volume,bytes32 tag,uint256 apprestrict,uint256 workerpoolrestrict,address requesterrestrict,uint256 expiry,bytes32 salt)"
    );
    bytes32 internal constant WORKERPOOL_ORDER_TYPEHASH = keccak256(
        "WorkerpoolOrder(uint256 workerpool,uint256 workerpoolprice,uint256 volume,bytes32 tag,uint256 category,uint256 trust,uint256 apprestrict,uint256 datasetrestrict,address requesterrestrict,uint256 expiry,bytes32 salt)"
    );
    bytes32 internal constant REQUEST_ORDER_TYPEHASH = keccak256(
        "RequestOrder(uint256 app,uint256 appmaxprice,uint256 dataset,uint256 datasetmaxprice,uint256 workerpool,uint256 workerpoolmaxprice,address requester,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address beneficiary,address callback,string params,uint256 expiry,bytes32 salt)"
    );
    bytes32 internal constant CONTRIBUTION_TYPEHASH = keccak256("Contribution(bytes32 task,bytes32 digest)");
    bytes32 internal constant RESULT_CHAIN_TYPEHASH = keccak256("ResultChain(bytes32 deal,bytes32 head)");

    function hash(AppOrder calldata o) internal pure returns (bytes32) {
        return keccak256(abi.encode(APP_ORDER_TYPEHASH, o));
    }

    function hash(DatasetOrder calldata o) internal pure returns (bytes32) {
        return keccak256(abi.encode(DATASET_ORDER_TYPEHASH, o));
    }

    function hash(WorkerpoolOrder calldata o) internal pure returns (bytes32) {
        return keccak256(abi.encode(WORKERPOOL_ORDER_TYPEHASH, o));
    }

    function hash(RequestOrder calldata o) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                REQUEST_ORDER_TYPEHASH,
                o.app,
                o.appmaxprice,
                o.dataset,
                o.datasetmaxprice,
                o.workerpool,
                o.workerpoolmaxprice,
                o.requester,
                o.volume,
                o.tag,
                o.category,
                o.trust,
                o.beneficiary,
                o.callback,
                keccak256(bytes(o.params)),
                o.expiry,
                o.salt
            )
        );
    }

    function contribution(bytes32 taskId, bytes32 digest) internal pure returns (bytes32) {
        return keccak256(abi.encode(CONTRIBUTION_TYPEHASH, taskId, digest));
    }

    function resultChain(bytes32 dealId, bytes32 head) internal pure returns (bytes32) {
        return keccak256(abi.encode(RESULT_CHAIN_TYPEHASH, dealId, head));
    }

    /// @notice The head of a worker's result chain after one more result.
    function nextHead(bytes32 head, uint256 task, bytes32 digest) internal pure returns (bytes32 next) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, head)
            mstore(add(p, 0x20), task)
            mstore(add(p, 0x40), digest)
            next := keccak256(p, 0x60)
        }
    }
}
