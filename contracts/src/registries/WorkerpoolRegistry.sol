// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AssetRegistry} from "./AssetRegistry.sol";

/// @notice Workerpools: a scheduler (the address that settles the pool's tasks) and the pool's
/// policy, packed in one slot; the scheduler's API URL is emitted.
contract WorkerpoolRegistry is AssetRegistry {
    struct Policy {
        address scheduler;
        uint8 workerStakePercent; // of the pool price, required from each contributing worker
        uint8 schedulerSharePercent; // of the pool price, kept by the pool owner
    }

    mapping(uint256 id => Policy) private _policies;

    error BadPolicy(uint256 workerStakePercent, uint256 schedulerSharePercent);
    error ZeroScheduler();

    event Registered(uint256 indexed id, address indexed owner, address scheduler, string apiUrl, string name);
    event PolicyChanged(uint256 indexed id, address scheduler, uint8 workerStakePercent, uint8 schedulerSharePercent);

    constructor() ERC721("Hearth Workerpools", "HPOOL") {}

    function register(
        address scheduler,
        uint8 workerStakePercent,
        uint8 schedulerSharePercent,
        string calldata apiUrl,
        string calldata name_
    ) external returns (uint256 id) {
        Policy memory p = _checked(scheduler, workerStakePercent, schedulerSharePercent);
        id = _mintNext(msg.sender);
        _policies[id] = p;
        emit Registered(id, msg.sender, scheduler, apiUrl, name_);
    }

    function setPolicy(uint256 id, address scheduler, uint8 workerStakePercent, uint8 schedulerSharePercent)
        external
        onlyAssetOwner(id)
    {
        _policies[id] = _checked(scheduler, workerStakePercent, schedulerSharePercent);
        emit PolicyChanged(id, scheduler, workerStakePercent, schedulerSharePercent);
    }

    /// @notice Owner and policy in one call: what matchOrders needs.
    function poolInfo(uint256 id) external view returns (address owner, Policy memory policy) {
        owner = _requireOwned(id);
        policy = _policies[id];
    }

    function _checked(address scheduler, uint8 workerStakePercent, uint8 schedulerSharePercent)
        private
        pure
        returns (Policy memory)
    {
        if (scheduler == address(0)) revert ZeroScheduler();
        if (workerStakePercent > 100 || schedulerSharePercent > 100) {
            revert BadPolicy(workerStakePercent, schedulerSharePercent);
        }
        return Policy(scheduler, workerStakePercent, schedulerSharePercent);
    }
}
