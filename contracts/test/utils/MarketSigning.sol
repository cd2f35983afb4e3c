// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Vm, vm} from "./Vm.sol";
import {HearthMarket} from "../../src/market/HearthMarket.sol";
import {Deal, Contribution, ResultRun, TaskResult} from "../../src/market/Types.sol";

/// @notice What every test and handler does with keys and logs: sign a digest, sign a worker's contribution in the
/// compact form settle takes, and read a deal's terms back from DealCreated as a scheduler would.
library MarketSigning {
    function sign(uint256 key, bytes32 h) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, h);
        return abi.encodePacked(r, s, v);
    }

    function contribution(HearthMarket market, bytes32 dealId, uint256 task, bytes32 digest, uint256 key)
        internal
        view
        returns (Contribution memory)
    {
        bytes32 h = market.hashContribution(market.taskId(dealId, task), digest);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, h);
        return Contribution(task, digest, r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
    }

    /// @notice The head of a worker's result chain after `results`, from `start`.
    function headAfter(bytes32 start, TaskResult[] memory results) internal pure returns (bytes32 head) {
        head = start;
        for (uint256 k = 0; k < results.length; ++k) {
            head = keccak256(abi.encode(head, results[k].task, results[k].digest));
        }
    }

    /// @notice A run of `results` signed by `key`, the worker's chain standing at `start` before it.
    function run(HearthMarket market, bytes32 dealId, bytes32 start, TaskResult[] memory results, uint256 key)
        internal
        view
        returns (ResultRun memory)
    {
        bytes32 h = market.hashResultChain(dealId, headAfter(start, results));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, h);
        return ResultRun(start, r, bytes32(uint256(s) | (uint256(v - 27) << 255)), results);
    }

    /// @dev Needs vm.recordLogs() before the match.
    function dealFromLogs(bytes32 dealId) internal returns (Deal memory deal) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == HearthMarket.DealCreated.selector && logs[i].topics[1] == dealId) {
                (deal,) = abi.decode(logs[i].data, (Deal, string));
                return deal;
            }
        }
        revert("no DealCreated");
    }
}
