// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice A requester contract named as a deal's callback is told each task's result when it settles.
interface IHearthCallback {
    function onTaskResult(bytes32 taskId, bytes32 digest) external;
}
