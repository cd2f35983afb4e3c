// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AssetRegistry} from "./AssetRegistry.sol";

/// @notice Workerpools: a scheduler (the address that settles the pool's tasks) and the pool's
/// policy, packed in one slot; the scheduler's API URL is emitted.
///
/// The policy (worker stake, the owner's share, whether requester callbacks are accepted) is fixed
/// when the pool is registered: a signed pool order names the pool, so it names that policy too, and
/// the owner cannot change the terms between a requester's choice and the match. A pool that wants
/// another policy registers anew. Only the scheduler's key can be rotated.
contract WorkerpoolRegistry is AssetRegistry {
    struct Policy {
        address scheduler;
        uint8 workerStakePercent; // of the pool price, required from each contributing worker
        uint8 schedulerSharePercent; // of the pool price, kept by the pool owner
        bool acceptsCallbacks; // whether deals with a requester callback may be matched
    }

    mapping(uint256 id => Policy) private _policies;

    error BadPolicy(uint256 workerStakePercent, uint256 schedulerSharePercent);
    error ZeroScheduler();

    event Registered(uint256 indexed id, address indexed owner, address scheduler, string apiUrl, string name);
    event PolicySet(uint256 indexed id, uint8 workerStakePercent, uint8 schedulerSharePercent, bool acceptsCallbacks);
    event SchedulerChanged(uint256 indexed id, address scheduler);

    constructor() ERC721("Hearth Workerpools", "HPOOL") {}

    function register(
        address scheduler,
        uint8 workerStakePercent,
        uint8 schedulerSharePercent,
        bool acceptsCallbacks,
        string calldata apiUrl,
        string calldata name_
    ) external returns (uint256 id) {
        if (scheduler == address(0)) revert ZeroScheduler();
        if (workerStakePercent > 100 || schedulerSharePercent > 100) {
            revert BadPolicy(workerStakePercent, schedulerSharePercent);
        }
        id = _mintNext(msg.sender);
        _policies[id] = Policy(scheduler, workerStakePercent, schedulerSharePercent, acceptsCallbacks);
        emit Registered(id, msg.sender, scheduler, apiUrl, name_);
        emit PolicySet(id, workerStakePercent, schedulerSharePercent, acceptsCallbacks);
    }

    /// @notice Rotates the scheduler's key. Deals already matched keep the scheduler they were made with.
    function setScheduler(uint256 id, address scheduler) external onlyAssetOwner(id) {
        if (scheduler == address(0)) revert ZeroScheduler();
        _policies[id].scheduler = scheduler;
        emit SchedulerChanged(id, scheduler);
    }

    /// @notice Owner and policy in one call: what matchOrders needs.
    function poolInfo(uint256 id) external view returns (address owner, Policy memory policy) {
        owner = _requireOwned(id);
        policy = _policies[id];
    }
}
