// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {Base} from "./Base.t.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {AssetRegistry} from "../src/registries/AssetRegistry.sol";
import {ContentRegistry} from "../src/registries/ContentRegistry.sol";
import {WorkerpoolRegistry} from "../src/registries/WorkerpoolRegistry.sol";

contract RegistriesTest is Base {
    function test_register_givesSequentialIdsFromOne() public {
        assertEq(app, 1, "first app");
        assertEq(apps.count(), 1, "count");
        vm.prank(stranger);
        uint256 second = apps.register(keccak256("other"), "ipfs://other", "other");
        assertEq(second, 2, "second app");
        assertEq(apps.count(), 2, "count after two");
        assertEq(apps.ownerOf(second), stranger, "owner");
        assertEq(datasets.count(), 1, "datasets count");
        assertEq(pools.count(), 1, "pools count");
    }

    function test_register_storesChecksumAndEmits() public {
        bytes32 checksum = keccak256("module");
        vm.expectEmit(true, true, false, true, address(apps));
        emit ContentRegistry.Registered(2, stranger, checksum, "ipfs://m", "m");
        vm.prank(stranger);
        uint256 id = apps.register(checksum, "ipfs://m", "m");
        assertEq(apps.checksumOf(id), checksum, "checksum");
        assertEq(datasets.checksumOf(dataset), keccak256("dataset content"), "dataset checksum");
    }

    function test_register_revertsOnEmptyChecksum() public {
        vm.expectRevert(ContentRegistry.EmptyChecksum.selector);
        apps.register(bytes32(0), "ipfs://m", "m");
        vm.expectRevert(ContentRegistry.EmptyChecksum.selector);
        datasets.register(bytes32(0), "ipfs://d", "d");
    }

    function test_checksumOf_revertsForUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        apps.checksumOf(7);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 0));
        datasets.checksumOf(0);
    }

    function test_setLocation_byOwnerEmits() public {
        vm.expectEmit(true, false, false, true, address(apps));
        emit AssetRegistry.AssetLocation(app, "ipfs://moved");
        vm.prank(appOwner);
        apps.setLocation(app, "ipfs://moved");

        vm.expectEmit(true, false, false, true, address(pools));
        emit AssetRegistry.AssetLocation(pool, "https://moved");
        vm.prank(poolOwner);
        pools.setLocation(pool, "https://moved");
    }

    function test_setLocation_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotAssetOwner.selector, app, stranger));
        vm.prank(stranger);
        apps.setLocation(app, "ipfs://evil");
    }

    function test_setLocation_revertsForUnknownAsset() public {
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotAssetOwner.selector, 9, appOwner));
        vm.prank(appOwner);
        apps.setLocation(9, "ipfs://none");
    }

    function test_transfer_movesOwnershipAndRights() public {
        vm.prank(appOwner);
        apps.transferFrom(appOwner, stranger, app);
        assertEq(apps.ownerOf(app), stranger, "new owner");
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotAssetOwner.selector, app, appOwner));
        vm.prank(appOwner);
        apps.setLocation(app, "ipfs://old owner");
        vm.prank(stranger);
        apps.setLocation(app, "ipfs://new owner");
    }

    function test_registryNames() public view {
        assertEq(keccak256(bytes(apps.name())), keccak256("Hearth Apps"), "apps name");
        assertEq(keccak256(bytes(datasets.symbol())), keccak256("HDATA"), "datasets symbol");
        assertEq(keccak256(bytes(pools.symbol())), keccak256("HPOOL"), "pools symbol");
    }

    function test_poolRegister_storesPolicyAndEmits() public {
        vm.expectEmit(true, true, false, true, address(pools));
        emit WorkerpoolRegistry.Registered(2, stranger, scheduler, "https://p2", "p2");
        vm.prank(stranger);
        uint256 id = pools.register(scheduler, 100, 0, false, "https://p2", "p2");
        (address owner, WorkerpoolRegistry.Policy memory p) = pools.poolInfo(id);
        assertEq(owner, stranger, "owner");
        assertEq(p.scheduler, scheduler, "scheduler");
        assertEq(p.workerStakePercent, 100, "stake percent");
        assertEq(p.schedulerSharePercent, 0, "share");
        assertTrue(!p.acceptsCallbacks, "callbacks");
    }

    function test_poolRegister_revertsOnZeroScheduler() public {
        vm.expectRevert(WorkerpoolRegistry.ZeroScheduler.selector);
        pools.register(address(0), 10, 10, false, "", "");
    }

    function test_poolRegister_revertsOnStakePercentAbove100() public {
        vm.expectRevert(abi.encodeWithSelector(WorkerpoolRegistry.BadPolicy.selector, 101, 0));
        pools.register(scheduler, 101, 0, false, "", "");
    }

    function test_poolRegister_revertsOnSharePercentAbove100() public {
        vm.expectRevert(abi.encodeWithSelector(WorkerpoolRegistry.BadPolicy.selector, 0, 101));
        pools.register(scheduler, 0, 101, false, "", "");
    }

    function test_setScheduler_rotatesOnlyTheKey() public {
        vm.expectEmit(true, false, false, true, address(pools));
        emit WorkerpoolRegistry.SchedulerChanged(pool, stranger);
        vm.prank(poolOwner);
        pools.setScheduler(pool, stranger);
        (, WorkerpoolRegistry.Policy memory p) = pools.poolInfo(pool);
        assertEq(p.scheduler, stranger, "scheduler");
        assertEq(p.workerStakePercent, WORKER_STAKE_PERCENT, "stake percent unchanged");
        assertEq(p.schedulerSharePercent, SCHEDULER_SHARE, "share unchanged");
    }

    function test_setScheduler_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(AssetRegistry.NotAssetOwner.selector, pool, stranger));
        vm.prank(stranger);
        pools.setScheduler(pool, stranger);
    }

    function test_setScheduler_revertsOnZero() public {
        vm.expectRevert(WorkerpoolRegistry.ZeroScheduler.selector);
        vm.prank(poolOwner);
        pools.setScheduler(pool, address(0));
    }

    /// @dev The policy a pool order names cannot change under it: there is no setter.
    function test_policy_cannotBeChangedAfterRegistration() public {
        (bool ok,) = address(pools).call(
            abi.encodeWithSignature("setPolicy(uint256,address,uint8,uint8)", pool, scheduler, 0, 100)
        );
        assertTrue(!ok, "no policy setter");
        (, WorkerpoolRegistry.Policy memory p) = pools.poolInfo(pool);
        assertEq(p.workerStakePercent, WORKER_STAKE_PERCENT, "stake percent");
    }

    function test_poolInfo_revertsForUnknownPool() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 5));
        pools.poolInfo(5);
    }
}
