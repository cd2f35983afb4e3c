// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IHearthCallback} from "../../src/IHearthCallback.sol";

/// @notice A contract wallet that accepts its owner's ECDSA signatures (ERC-1271) and can act on the market.
contract MockWallet is IERC1271 {
    address public immutable signer;
    bool public refuseAll;

    constructor(address signer_) {
        signer = signer_;
    }

    function setRefuseAll(bool refuse) external {
        refuseAll = refuse;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (refuseAll) return 0xffffffff;
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == signer ? IERC1271.isValidSignature.selector : bytes4(0);
    }

    function execute(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }
}

/// @notice Records every result it is told.
contract RecordingCallback is IHearthCallback {
    bytes32[] public taskIds;
    mapping(bytes32 taskId => bytes32) public digests;

    function onTaskResult(bytes32 taskId, bytes32 digest) external {
        taskIds.push(taskId);
        digests[taskId] = digest;
    }

    function calls() external view returns (uint256) {
        return taskIds.length;
    }
}

contract RevertingCallback is IHearthCallback {
    function onTaskResult(bytes32, bytes32) external pure {
        revert("no thanks");
    }
}

/// @notice Burns all the gas it is given.
contract GasGuzzlingCallback is IHearthCallback {
    uint256 public sink;

    function onTaskResult(bytes32, bytes32) external {
        while (true) {
            sink += 1;
        }
    }
}

/// @notice Reverts with a large payload, to make the caller copy it.
contract ReturnBombCallback is IHearthCallback {
    function onTaskResult(bytes32, bytes32) external pure {
        assembly {
            revert(0, 60000)
        }
    }
}

/// @notice Records how much gas it was given.
contract GasRecordingCallback is IHearthCallback {
    uint256 public gasAtEntry;

    function onTaskResult(bytes32, bytes32) external {
        gasAtEntry = gasleft();
    }
}
