// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {Base} from "./Base.t.sol";
import {HearthMarket} from "../src/market/HearthMarket.sol";
import {Deal, Contribution} from "../src/market/Types.sol";

contract ClaimTest is Base {
    bytes32 internal constant RESULT = keccak256("result");

    function setUp() public override {
        super.setUp();
        newWorker(0);
    }

    function test_claim_refundsPriceAndSeizesPoolStakeAfterDeadline() public {
        (bytes32 id, Deal memory d) = makeDeal(3, 1);
        vm.warp(d.deadline);
        vm.expectEmit(true, false, false, true, address(market));
        emit HearthMarket.TaskRefunded(id, 0);
        vm.expectEmit(true, false, false, true, address(market));
        emit HearthMarket.TaskRefunded(id, 2);
        vm.expectEmit(true, false, false, true, address(market));
        emit HearthMarket.Seized(id, 2 * POOL_STAKE);
        vm.prank(stranger);
        market.claim(d, id, list(0, 2));
        assertEq(balanceOf(requester), FUNDS - 3 * PRICE + 2 * PRICE, "requester refunded the price only");
        assertEq(market.seized(), 2 * POOL_STAKE, "pool stake seized, paid to nobody");
        assertEq(lockedOf(requester), PRICE, "one task still locked");
        assertEq(lockedOf(poolOwner), POOL_STAKE, "pool stake of one task still locked");
        assertEq(balanceOf(poolOwner), FUNDS - 3 * POOL_STAKE, "pool owner loses its stake");
        assertEq(balanceOf(stranger), 0, "caller gets nothing");
        assertTrue(market.isTaskDone(id, 0) && !market.isTaskDone(id, 1) && market.isTaskDone(id, 2), "bits");
    }

    function test_claim_revertsBeforeDeadline() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        vm.warp(d.deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.DeadlineNotReached.selector, d.deadline));
        market.claim(d, id, list(0));
    }

    function test_claim_revertsForSettledTask() public {
        (bytes32 id, Deal memory d) = makeDeal(2, 1);
        settleAsScheduler(d, id, one(contribution(id, 1, RESULT, workerKey(0))));
        vm.warp(d.deadline);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TaskAlreadyDone.selector, 1));
        market.claim(d, id, list(0, 1));
        market.claim(d, id, list(0));
        assertEq(lockedOf(requester), 0, "all released");
        assertEq(lockedOf(poolOwner), 0, "pool released");
    }

    function test_claim_revertsWhenClaimedTwice() public {
        (bytes32 id, Deal memory d) = makeDeal(2, 1);
        vm.warp(d.deadline);
        market.claim(d, id, list(1));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TaskAlreadyDone.selector, 1));
        market.claim(d, id, list(1));
    }

    function test_claim_revertsOnDuplicateInOneCall() public {
        (bytes32 id, Deal memory d) = makeDeal(2, 1);
        vm.warp(d.deadline);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TaskAlreadyDone.selector, 1));
        market.claim(d, id, list(1, 1));
    }

    function test_claim_revertsOnEmptyList() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        vm.warp(d.deadline);
        vm.expectRevert(HearthMarket.EmptyBatch.selector);
        market.claim(d, id, new uint256[](0));
    }

    function test_claim_revertsOnTaskOutOfRange() public {
        (bytes32 id, Deal memory d) = makeDeal(2, 1);
        vm.warp(d.deadline);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TaskOutOfRange.selector, 2, 2));
        market.claim(d, id, list(2));
    }

    function test_claim_revertsOnWrongTerms() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        vm.warp(d.deadline);
        d.requester = stranger;
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.UnknownDeal.selector, id));
        market.claim(d, id, list(0));
    }

    function test_claim_settleAfterClaimIsImpossible() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        vm.warp(d.deadline);
        market.claim(d, id, list(0));
        Contribution[] memory cs = one(contribution(id, 0, RESULT, workerKey(0)));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.DeadlinePassed.selector, d.deadline));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    function test_claim_unorderedTasksAcrossExtraWords() public {
        (bytes32 id, Deal memory d) = makeDeal(600, 1);
        vm.warp(d.deadline);
        uint256[] memory tasks = new uint256[](6);
        tasks[0] = 599;
        tasks[1] = 70;
        tasks[2] = 330;
        tasks[3] = 3;
        tasks[4] = 71;
        tasks[5] = 575;
        market.claim(d, id, tasks);
        for (uint256 k = 0; k < 6; ++k) {
            assertTrue(market.isTaskDone(id, tasks[k]), "refunded");
        }
        assertTrue(!market.isTaskDone(id, 72) && !market.isTaskDone(id, 331), "others untouched");
        assertEq(lockedOf(requester), 594 * PRICE, "locked");

        uint256[] memory again = new uint256[](3);
        again[0] = 400;
        again[1] = 100;
        again[2] = 330;
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TaskAlreadyDone.selector, 330));
        market.claim(d, id, again);
    }

    function testFuzz_claim_refundsExactlyWhatWasLocked(uint8 volume, uint8 settled) public {
        uint256 v = bound(volume, 1, 10);
        uint256 s = bound(settled, 0, v);
        (bytes32 id, Deal memory d) = makeDeal(v, 1);
        for (uint256 t = 0; t < s; ++t) {
            settleAsScheduler(d, id, one(contribution(id, t, RESULT, workerKey(0))));
        }
        vm.warp(d.deadline);
        if (s < v) {
            uint256[] memory rest = new uint256[](v - s);
            for (uint256 t = s; t < v; ++t) {
                rest[t - s] = t;
            }
            market.claim(d, id, rest);
        }
        assertEq(lockedOf(requester), 0, "requester");
        assertEq(lockedOf(poolOwner), 0, "pool owner");
        assertEq(balanceOf(requester), FUNDS - s * PRICE, "requester balance");
        assertEq(market.seized(), (v - s) * POOL_STAKE, "seized");
    }
}
