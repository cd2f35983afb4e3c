// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {
    RecordingCallback,
    RevertingCallback,
    GasGuzzlingCallback,
    ReturnBombCallback,
    GasRecordingCallback
} from "./utils/Mocks.sol";
import {Base, Orders} from "./Base.t.sol";
import {Escrow} from "../src/market/Escrow.sol";
import {HearthMarket} from "../src/market/HearthMarket.sol";
import {Deal, Contribution} from "../src/market/Types.sol";

contract SettleTest is Base {
    bytes32 internal constant RESULT = keccak256("result");
    bytes32 internal constant WRONG = keccak256("wrong result");
    uint256 internal constant CUT = POOL_PRICE * SCHEDULER_SHARE / 100;
    uint256 internal constant REWARD = POOL_PRICE - CUT;

    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < 25; ++i) {
            newWorker(i);
        }
    }

    function worker(uint256 i) internal pure returns (address) {
        return vm.addr(workerKey(i));
    }

    function dealWithCallback(address callback, uint256 volume) internal returns (bytes32, Deal memory) {
        Orders memory o = orders();
        o.r.callback = callback;
        o.r.volume = volume;
        return matchDeal(signAll(o));
    }

    function concat(Contribution[] memory a, Contribution[] memory b) internal pure returns (Contribution[] memory c) {
        c = new Contribution[](a.length + b.length);
        for (uint256 i = 0; i < a.length; ++i) {
            c[i] = a[i];
        }
        for (uint256 i = 0; i < b.length; ++i) {
            c[a.length + i] = b[i];
        }
    }

    // ------------------------------------------------------------ payments

    function test_settle_singleTaskPaysEveryone() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        uint256 workerBefore = balanceOf(worker(0));
        vm.expectEmit(true, false, false, true, address(market));
        emit HearthMarket.TaskSettled(id, 0, RESULT);
        vm.expectEmit(true, false, false, true, address(market));
        emit HearthMarket.ResultsStored(id, "ipfs://results");
        settleAsScheduler(d, id, one(contribution(id, 0, RESULT, workerKey(0))));

        assertTrue(market.isTaskDone(id, 0), "task done");
        assertEq(balanceOf(appOwner), APP_PRICE, "app owner");
        assertEq(balanceOf(datasetOwner), DATASET_PRICE, "dataset owner");
        assertEq(balanceOf(poolOwner), FUNDS + CUT, "pool owner: stake back plus share");
        assertEq(lockedOf(poolOwner), 0, "pool unlocked");
        assertEq(balanceOf(worker(0)), workerBefore + REWARD, "worker");
        assertEq(lockedOf(requester), 0, "requester unlocked");
        assertEq(balanceOf(requester), FUNDS - PRICE, "requester paid");
        assertEq(scoreOf(worker(0)), 0, "a lone result moves no score");
    }

    function test_settle_batchOfTasksPaysOncePerPayee() public {
        (bytes32 id, Deal memory d) = makeDeal(5, 1);
        Contribution[] memory cs = new Contribution[](5);
        for (uint256 t = 0; t < 5; ++t) {
            cs[t] = contribution(id, t, keccak256(abi.encode(t)), workerKey(t));
        }
        settleAsScheduler(d, id, cs);
        assertEq(balanceOf(appOwner), 5 * APP_PRICE, "app owner");
        assertEq(balanceOf(poolOwner), FUNDS + 5 * CUT, "pool owner");
        assertEq(lockedOf(requester), 0, "requester");
        for (uint256 t = 0; t < 5; ++t) {
            assertTrue(market.isTaskDone(id, t), "done");
        }
    }

    function test_settle_partOfDealLeavesTheRestLocked() public {
        (bytes32 id, Deal memory d) = makeDeal(3, 1);
        settleAsScheduler(d, id, one(contribution(id, 1, RESULT, workerKey(0))));
        assertEq(lockedOf(requester), 2 * PRICE, "requester");
        assertEq(lockedOf(poolOwner), 2 * POOL_STAKE, "pool");
        assertTrue(!market.isTaskDone(id, 0) && market.isTaskDone(id, 1) && !market.isTaskDone(id, 2), "bits");
    }

    function test_settle_freeDealStillNeedsTheMinimumStake() public {
        Orders memory o = orders();
        o.a.appprice = 0;
        o.d.datasetprice = 0;
        o.p.workerpoolprice = 0;
        (bytes32 id, Deal memory d) = matchDeal(signAll(o));
        assertEq(d.workerStake, MIN_WORKER_STAKE, "the protocol minimum");
        Contribution[] memory unbacked = one(contribution(id, 0, RESULT, STRANGER_KEY));
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientStake.selector, stranger, MIN_WORKER_STAKE, 0));
        vm.prank(scheduler);
        market.settle(d, id, unbacked, "");
        uint256 before = balanceOf(worker(0));
        settleAsScheduler(d, id, one(contribution(id, 0, RESULT, workerKey(0))));
        assertTrue(market.isTaskDone(id, 0), "done");
        assertEq(balanceOf(worker(0)), before, "nothing earned");
    }

    // ------------------------------------------------------------ who and when

    function test_settle_revertsForNonScheduler() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        Contribution[] memory cs = one(contribution(id, 0, RESULT, workerKey(0)));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotScheduler.selector, poolOwner, scheduler));
        vm.prank(poolOwner);
        market.settle(d, id, cs, "");
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotScheduler.selector, requester, scheduler));
        vm.prank(requester);
        market.settle(d, id, cs, "");
    }

    function test_settle_forgedSchedulerInTermsIsUnknownDeal() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        Contribution[] memory cs = one(contribution(id, 0, RESULT, workerKey(0)));
        d.scheduler = stranger;
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.UnknownDeal.selector, id));
        vm.prank(stranger);
        market.settle(d, id, cs, "");
    }

    function test_settle_keepsSchedulerOfTheDealAfterSchedulerChange() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        vm.prank(poolOwner);
        pools.setScheduler(pool, stranger);
        Contribution[] memory cs = one(contribution(id, 0, RESULT, workerKey(0)));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotScheduler.selector, stranger, scheduler));
        vm.prank(stranger);
        market.settle(d, id, cs, "");
        settleAsScheduler(d, id, cs);
    }

    function test_settle_revertsAtAndAfterDeadline() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        Contribution[] memory cs = one(contribution(id, 0, RESULT, workerKey(0)));
        vm.warp(d.deadline);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.DeadlinePassed.selector, d.deadline));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
        vm.warp(d.deadline - 1);
        settleAsScheduler(d, id, cs);
    }

    function test_settle_revertsOnWrongTerms() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        Contribution[] memory cs = one(contribution(id, 0, RESULT, workerKey(0)));
        d.poolPrice += 1;
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.UnknownDeal.selector, id));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    function test_settle_revertsOnUnknownOrCancelledDealId() public {
        (, Deal memory d) = makeDeal(1, 1);
        bytes32 unknown = keccak256("no such deal");
        Contribution[] memory cs = one(contribution(unknown, 0, RESULT, workerKey(0)));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.UnknownDeal.selector, unknown));
        vm.prank(scheduler);
        market.settle(d, unknown, cs, "");

        Orders memory o = orders();
        o.r.salt = keccak256("cancelled");
        vm.prank(requester);
        market.cancelRequestOrder(o.r);
        bytes32 cancelled = market.hashRequestOrder(o.r);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.UnknownDeal.selector, cancelled));
        vm.prank(scheduler);
        market.settle(d, cancelled, cs, "");
    }

    // ------------------------------------------------------------ batch shape

    function test_settle_revertsOnEmptyBatch() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        vm.expectRevert(HearthMarket.EmptyBatch.selector);
        vm.prank(scheduler);
        market.settle(d, id, new Contribution[](0), "");
    }

    function test_settle_revertsOnTaskOutOfRange() public {
        (bytes32 id, Deal memory d) = makeDeal(2, 1);
        Contribution[] memory cs = one(contribution(id, 2, RESULT, workerKey(0)));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TaskOutOfRange.selector, 2, 2));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    function test_settle_revertsOnDoubleSettlement() public {
        (bytes32 id, Deal memory d) = makeDeal(2, 1);
        settleAsScheduler(d, id, one(contribution(id, 1, RESULT, workerKey(0))));
        Contribution[] memory again = one(contribution(id, 1, WRONG, workerKey(1)));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TaskAlreadyDone.selector, 1));
        vm.prank(scheduler);
        market.settle(d, id, again, "");
    }

    function test_settle_revertsOnDecreasingTasks() public {
        (bytes32 id, Deal memory d) = makeDeal(3, 1);
        Contribution[] memory cs = new Contribution[](2);
        cs[0] = contribution(id, 2, RESULT, workerKey(0));
        cs[1] = contribution(id, 1, RESULT, workerKey(1));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.UnorderedBatch.selector, 1));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    function test_settle_revertsOnSplitTaskGroup() public {
        (bytes32 id, Deal memory d) = makeDeal(3, 1);
        Contribution[] memory cs = new Contribution[](3);
        cs[0] = contribution(id, 0, RESULT, workerKey(0));
        cs[1] = contribution(id, 1, RESULT, workerKey(1));
        cs[2] = contribution(id, 0, RESULT, workerKey(2));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.UnorderedBatch.selector, 0));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    function test_settle_revertsOnDuplicateWorker() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 3);
        Contribution[] memory cs = new Contribution[](3);
        cs[0] = contribution(id, 0, RESULT, workerKey(0));
        cs[1] = contribution(id, 0, RESULT, workerKey(1));
        cs[2] = cs[0];
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.DuplicateWorker.selector, 0, worker(0)));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    function test_settle_revertsOnTooManyContributions() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 100_000);
        Contribution[] memory cs = agreeing(id, 0, RESULT, 0, 25);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TooManyContributions.selector, 0, 25));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
        settleAsScheduler(d, id, agreeing(id, 0, RESULT, 0, 24));
    }

    // ------------------------------------------------------------ contributions

    function test_settle_revertsOnUnrecoverableSignature() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        Contribution[] memory cs = one(Contribution(0, RESULT, bytes32(0), bytes32(0)));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.BadContribution.selector, 0, 0));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    function test_settle_revertsOnHighS() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 3);
        Contribution[] memory cs = agreeing(id, 0, RESULT, 0, 2);
        cs[1].vs = bytes32(HALF_ORDER + 1);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.BadContribution.selector, 0, 1));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    function test_settle_highSTwinDoesNotRecoverTheWorker() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        Contribution memory c = contribution(id, 0, RESULT, workerKey(0));
        uint256 s = uint256(c.vs) & ((1 << 255) - 1);
        uint256 parity = uint256(c.vs) >> 255;
        uint256 highS = ORDER - s;
        assertTrue(highS >= 1 << 255, "the twin's s does not fit the compact form");
        c.vs = bytes32(highS | ((1 - parity) << 255));
        bytes32 h = market.hashContribution(market.taskId(id, 0), RESULT);
        address recovered = ecrecover(h, uint8(28 - parity), c.r, bytes32(highS & ((1 << 255) - 1)));
        assertTrue(recovered != worker(0), "not the worker");
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientStake.selector, recovered, WORKER_STAKE, 0));
        vm.prank(scheduler);
        market.settle(d, id, one(c), "");
    }

    function test_settle_contributionForAnotherTaskRecoversAStranger() public {
        (bytes32 id, Deal memory d) = makeDeal(2, 1);
        Contribution memory c = contribution(id, 0, RESULT, workerKey(0));
        c.task = 1;
        bytes32 h = market.hashContribution(market.taskId(id, 1), RESULT);
        uint256 s = uint256(c.vs) & ((1 << 255) - 1);
        address recovered = ecrecover(h, uint8(27 + (uint256(c.vs) >> 255)), c.r, bytes32(s));
        assertTrue(recovered != worker(0), "not the worker");
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientStake.selector, recovered, WORKER_STAKE, 0));
        vm.prank(scheduler);
        market.settle(d, id, one(c), "");
    }

    function test_settle_contributionFromAnotherDealIsNotReplayable() public {
        (bytes32 first, Deal memory d1) = makeDeal(1, 1);
        Orders memory o = orders();
        o.r.salt = keccak256("second deal");
        (bytes32 second, Deal memory d2) = matchDeal(signAll(o));
        Contribution memory c = contribution(first, 0, RESULT, workerKey(0));
        settleAsScheduler(d1, first, one(c));
        vm.expectRevert();
        vm.prank(scheduler);
        market.settle(d2, second, one(c), "");
        assertTrue(!market.isTaskDone(second, 0), "second deal untouched");
    }

    function test_settle_revertsWhenWorkerStakeTooLow() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        Contribution[] memory cs = one(contribution(id, 0, RESULT, STRANGER_KEY));
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientStake.selector, stranger, WORKER_STAKE, 0));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");

        fund(stranger, WORKER_STAKE);
        vm.prank(stranger);
        market.stake(WORKER_STAKE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(Escrow.InsufficientStake.selector, stranger, WORKER_STAKE, WORKER_STAKE - 1)
        );
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    /// @dev A worker that signs, then starts unstaking, cannot make the settlement revert: its stake is
    /// slashable, and backs its contributions, until it is withdrawn.
    function test_settle_unbondingStakeBacksUntilWithdrawn() public {
        (bytes32 id, Deal memory d) = makeDeal(2, 1);
        vm.prank(worker(0));
        market.requestUnstake(10e9);
        settleAsScheduler(d, id, one(contribution(id, 0, RESULT, workerKey(0))));
        assertTrue(market.isTaskDone(id, 0), "settled on unbonding stake");

        vm.warp(block.timestamp + UNBONDING);
        vm.prank(worker(0));
        market.withdrawUnstaked();
        (bytes32 id2, Deal memory d2) = makeDealSalted(1, 1, "after withdrawal");
        Contribution[] memory cs = one(contribution(id2, 0, RESULT, workerKey(0)));
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientStake.selector, worker(0), WORKER_STAKE, 0));
        vm.prank(scheduler);
        market.settle(d2, id2, cs, "");
    }

    // ------------------------------------------------------------ consensus, slashing, scores

    function test_settle_revertsWithoutConsensus() public {
        (bytes32 id, Deal memory d) = makeDeal(2, 3);
        Contribution[] memory lone = one(contribution(id, 0, RESULT, workerKey(0)));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NoConsensus.selector, 0));
        vm.prank(scheduler);
        market.settle(d, id, lone, "");

        Contribution[] memory split = new Contribution[](2);
        split[0] = contribution(id, 1, RESULT, workerKey(0));
        split[1] = contribution(id, 1, WRONG, workerKey(1));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NoConsensus.selector, 1));
        vm.prank(scheduler);
        market.settle(d, id, split, "");
    }

    function test_settle_twoDisagreeingAtTrustOneIsNoConsensus() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        Contribution[] memory split = new Contribution[](2);
        split[0] = contribution(id, 0, RESULT, workerKey(0));
        split[1] = contribution(id, 0, WRONG, workerKey(1));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NoConsensus.selector, 0));
        vm.prank(scheduler);
        market.settle(d, id, split, "");
    }

    function test_settle_slashesDisagreeingWorkerAndUpdatesScores() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 3);
        Contribution[] memory cs = agreeing(id, 0, RESULT, 0, 3);
        cs = concat(cs, one(contribution(id, 0, WRONG, workerKey(3))));
        uint256 before = balanceOf(worker(0));
        vm.expectEmit(true, true, false, true, address(market));
        emit HearthMarket.WorkerSlashed(worker(3), id, 0, WORKER_STAKE);
        settleAsScheduler(d, id, cs);

        uint256 share = REWARD / 3; // the slashed stake is seized, not shared
        for (uint256 k = 0; k < 3; ++k) {
            assertEq(balanceOf(worker(k)), before + share, "agreeing worker paid");
            assertEq(scoreOf(worker(k)), 1, "agreeing score");
            assertEq(stakeOf(worker(k)), 10e9, "agreeing stake kept");
        }
        assertEq(stakeOf(worker(3)), 10e9 - WORKER_STAKE, "slashed");
        assertEq(balanceOf(worker(3)), before, "not paid");
        assertEq(balanceOf(poolOwner), FUNDS + CUT + (REWARD - 3 * share), "pool owner");
        assertEq(market.seized(), WORKER_STAKE, "seized");
    }

    function test_settle_slashesUnbondingStake() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 3);
        vm.startPrank(worker(3));
        market.requestUnstake(10e9 - 1e8);
        vm.stopPrank();
        Contribution[] memory cs = concat(agreeing(id, 0, RESULT, 0, 3), one(contribution(id, 0, WRONG, workerKey(3))));
        settleAsScheduler(d, id, cs);
        (,, uint256 staked, uint256 unbonding,) = market.accountOf(worker(3));
        assertEq(staked, 0, "stake taken first");
        assertEq(unbonding, 10e9 - 1e8 - (WORKER_STAKE - 1e8), "rest from unbonding");
    }

    /// @dev Dissent from a key with nothing at stake would raise the bar for free: it is refused.
    function test_settle_refusesUnbackedDissent() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 3);
        Contribution[] memory cs = concat(agreeing(id, 0, RESULT, 0, 3), one(contribution(id, 0, WRONG, STRANGER_KEY)));
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientStake.selector, stranger, WORKER_STAKE, 0));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    function test_settle_rewardRoundingGoesToPoolOwner() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 100);
        uint256 before = balanceOf(worker(0));
        settleAsScheduler(d, id, agreeing(id, 0, RESULT, 0, 7));
        uint256 share = REWARD / 7;
        assertTrue(REWARD % 7 != 0, "a remainder exists");
        for (uint256 k = 0; k < 7; ++k) {
            assertEq(balanceOf(worker(k)), before + share, "equal shares");
        }
        assertEq(balanceOf(poolOwner), FUNDS + CUT + REWARD - 7 * share, "pool owner takes the rounding");
    }

    /// @dev Shares follow log2 of the weights: weight 4 (score 15) takes 2 shares, weight 2 (new) takes 1.
    function test_settle_rewardSplitByLog2OfWeight() public {
        (bytes32 id, Deal memory d) = makeDealSalted(16, 3, "log2");
        Contribution[] memory cs = new Contribution[](30);
        for (uint256 t = 0; t < 15; ++t) {
            cs[2 * t] = contribution(id, t, RESULT, workerKey(0));
            cs[2 * t + 1] = contribution(id, t, RESULT, workerKey(1));
        }
        settleAsScheduler(d, id, cs);
        assertEq(scoreOf(worker(0)), 15, "score 0");
        assertEq(scoreOf(worker(1)), 15, "score 1");

        uint256[3] memory before = [balanceOf(worker(0)), balanceOf(worker(1)), balanceOf(worker(2))];
        uint256 poolBefore = balanceOf(poolOwner);
        settleAsScheduler(d, id, agreeing(id, 15, RESULT, 0, 3));
        assertEq(balanceOf(worker(0)) - before[0], REWARD * 2 / 5, "weight 4: two shares");
        assertEq(balanceOf(worker(1)) - before[1], REWARD * 2 / 5, "weight 4: two shares");
        assertEq(balanceOf(worker(2)) - before[2], REWARD * 1 / 5, "weight 2: one share");
        assertEq(
            balanceOf(poolOwner) - poolBefore, POOL_STAKE + CUT + REWARD - 2 * (REWARD * 2 / 5) - REWARD / 5, "pool"
        );
    }

    function test_settle_reputableWorkersNeedFewerReplicas() public {
        (bytes32 id, Deal memory d) = makeDeal(31, 3);
        Contribution[] memory cs = new Contribution[](60);
        for (uint256 t = 0; t < 30; ++t) {
            cs[2 * t] = contribution(id, t, RESULT, workerKey(0));
            cs[2 * t + 1] = contribution(id, t, RESULT, workerKey(1));
        }
        settleAsScheduler(d, id, cs);
        assertEq(scoreOf(worker(0)), 30, "score");
        settleAsScheduler(d, id, one(contribution(id, 30, RESULT, workerKey(0))));
        assertEq(scoreOf(worker(0)), 30, "a lone result moves no score");
    }

    function test_settle_disagreementCutsScoreByAThird() public {
        (bytes32 id, Deal memory d) = makeDeal(13, 3);
        Contribution[] memory cs = new Contribution[](24);
        for (uint256 t = 0; t < 12; ++t) {
            cs[2 * t] = contribution(id, t, RESULT, workerKey(0));
            cs[2 * t + 1] = contribution(id, t, RESULT, workerKey(1));
        }
        settleAsScheduler(d, id, cs);
        cs = concat(agreeing(id, 12, RESULT, 2, 3), one(contribution(id, 12, WRONG, workerKey(0))));
        settleAsScheduler(d, id, cs);
        assertEq(scoreOf(worker(0)), 8, "12 * 2 / 3");
    }

    // ------------------------------------------------------------ callbacks

    function test_settle_callbackToldEachResult() public {
        RecordingCallback cb = new RecordingCallback();
        (bytes32 id, Deal memory d) = dealWithCallback(address(cb), 2);
        Contribution[] memory cs = new Contribution[](2);
        cs[0] = contribution(id, 0, RESULT, workerKey(0));
        cs[1] = contribution(id, 1, WRONG, workerKey(1));
        settleAsScheduler(d, id, cs);
        assertEq(cb.calls(), 2, "calls");
        assertEq(cb.digests(market.taskId(id, 0)), RESULT, "task 0");
        assertEq(cb.digests(market.taskId(id, 1)), WRONG, "task 1");
    }

    function test_settle_callbackOncePerReplicatedTask() public {
        RecordingCallback cb = new RecordingCallback();
        Orders memory o = orders();
        o.r.callback = address(cb);
        o.r.trust = 3;
        (bytes32 id, Deal memory d) = matchDeal(signAll(o));
        settleAsScheduler(d, id, agreeing(id, 0, RESULT, 0, 3));
        assertEq(cb.calls(), 1, "one call per task");
    }

    function test_settle_revertingCallbackDoesNotBlock() public {
        RevertingCallback cb = new RevertingCallback();
        (bytes32 id, Deal memory d) = dealWithCallback(address(cb), 1);
        vm.expectEmit(true, false, false, true, address(market));
        emit HearthMarket.CallbackFailed(market.taskId(id, 0), address(cb));
        settleAsScheduler(d, id, one(contribution(id, 0, RESULT, workerKey(0))));
        assertTrue(market.isTaskDone(id, 0), "settled");
    }

    function test_settle_gasGuzzlingCallbackDoesNotBlock() public {
        GasGuzzlingCallback cb = new GasGuzzlingCallback();
        (bytes32 id, Deal memory d) = dealWithCallback(address(cb), 2);
        Contribution[] memory cs = new Contribution[](2);
        cs[0] = contribution(id, 0, RESULT, workerKey(0));
        cs[1] = contribution(id, 1, RESULT, workerKey(1));
        vm.prank(scheduler);
        market.settle{gas: 2_000_000}(d, id, cs, "");
        assertTrue(market.isTaskDone(id, 0) && market.isTaskDone(id, 1), "settled");
    }

    function test_settle_returnBombCallbackDoesNotBlock() public {
        ReturnBombCallback cb = new ReturnBombCallback();
        (bytes32 id, Deal memory d) = dealWithCallback(address(cb), 1);
        Contribution[] memory cs = one(contribution(id, 0, RESULT, workerKey(0)));
        vm.prank(scheduler);
        market.settle{gas: 1_000_000}(d, id, cs, "");
        assertTrue(market.isTaskDone(id, 0), "settled");
    }

    function test_settle_callbackWithoutCodeDoesNotBlock() public {
        (bytes32 id, Deal memory d) = dealWithCallback(address(0xCA11BAC), 1);
        settleAsScheduler(d, id, one(contribution(id, 0, RESULT, workerKey(0))));
        assertTrue(market.isTaskDone(id, 0), "settled");
    }

    function test_settle_schedulerCannotStarveCallback() public {
        GasRecordingCallback cb = new GasRecordingCallback();
        (bytes32 id, Deal memory d) = dealWithCallback(address(cb), 1);
        Contribution[] memory cs = one(contribution(id, 0, RESULT, workerKey(0)));
        bytes memory call = abi.encodeCall(HearthMarket.settle, (d, id, cs, ""));
        bool sawTooLow;
        bool settled;
        for (uint256 g = 100_000; g < 400_000 && !settled; g += 2_000) {
            vm.prank(scheduler);
            (bool ok, bytes memory ret) = address(market).call{gas: g}(call);
            if (ok) {
                settled = true;
                assertTrue(cb.gasAtEntry() >= 99_000, "callback got its allowance");
            } else if (ret.length == 4 && bytes4(ret) == HearthMarket.CallbackGasTooLow.selector) {
                sawTooLow = true;
            }
        }
        assertTrue(settled, "settles with enough gas");
        assertTrue(sawTooLow, "refuses to starve the callback");
    }

    // ------------------------------------------------------------ task bits beyond 64 and 256

    function test_settle_tasksBeyond64UseExtraWords() public {
        (bytes32 id, Deal memory d) = makeDeal(330, 1);
        uint256[8] memory tasks = [uint256(0), 63, 64, 100, 319, 320, 321, 329];
        Contribution[] memory cs = new Contribution[](8);
        for (uint256 k = 0; k < 8; ++k) {
            cs[k] = contribution(id, tasks[k], RESULT, workerKey(k));
        }
        settleAsScheduler(d, id, cs);
        for (uint256 k = 0; k < 8; ++k) {
            assertTrue(market.isTaskDone(id, tasks[k]), "settled task done");
        }
        assertTrue(!market.isTaskDone(id, 1) && !market.isTaskDone(id, 65) && !market.isTaskDone(id, 322), "others");
        assertEq(lockedOf(requester), 322 * PRICE, "requester locked");

        Contribution[] memory again = one(contribution(id, 320, WRONG, workerKey(9)));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TaskAlreadyDone.selector, 320));
        vm.prank(scheduler);
        market.settle(d, id, again, "");
        again = one(contribution(id, 64, WRONG, workerKey(9)));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TaskAlreadyDone.selector, 64));
        vm.prank(scheduler);
        market.settle(d, id, again, "");
    }

    function test_settle_everyTaskOfA330TaskDeal() public {
        (bytes32 id, Deal memory d) = makeDeal(330, 1);
        for (uint256 batch = 0; batch < 3; ++batch) {
            Contribution[] memory cs = new Contribution[](110);
            for (uint256 k = 0; k < 110; ++k) {
                uint256 t = batch * 110 + k;
                cs[k] = contribution(id, t, RESULT, workerKey(t % 25));
            }
            settleAsScheduler(d, id, cs);
        }
        for (uint256 t = 0; t < 330; ++t) {
            assertTrue(market.isTaskDone(id, t), "done");
        }
        assertEq(lockedOf(requester), 0, "requester");
        assertEq(lockedOf(poolOwner), 0, "pool");
        assertEq(balanceOf(appOwner), 330 * APP_PRICE, "app owner");
        vm.warp(d.deadline);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.TaskAlreadyDone.selector, 300));
        market.claim(d, id, list(300));
    }
}
