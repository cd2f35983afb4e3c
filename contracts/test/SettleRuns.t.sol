// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {RecordingCallback} from "./utils/Mocks.sol";
import {MarketSigning} from "./utils/MarketSigning.sol";
import {Base, Orders} from "./Base.t.sol";
import {Escrow} from "../src/market/Escrow.sol";
import {HearthMarket} from "../src/market/HearthMarket.sol";
import {Deal, ResultRun, TaskResult} from "../src/market/Types.sol";

/// @notice settleRuns: a worker's lone results proven by one signature over the head of its result chain.
contract SettleRunsTest is Base {
    uint256 internal constant CUT = POOL_PRICE * SCHEDULER_SHARE / 100;
    uint256 internal constant REWARD = POOL_PRICE - CUT;

    function setUp() public override {
        super.setUp();
        newWorker(0);
        newWorker(1);
    }

    function worker(uint256 i) internal pure returns (address) {
        return vm.addr(workerKey(i));
    }

    function digestOf(uint256 task) internal pure returns (bytes32) {
        return keccak256(abi.encode("result", task));
    }

    /// @notice Results for tasks `first`..`first + count - 1`, in that order.
    function results(uint256 first, uint256 count) internal pure returns (TaskResult[] memory rs) {
        rs = new TaskResult[](count);
        for (uint256 k = 0; k < count; ++k) {
            rs[k] = TaskResult(first + k, digestOf(first + k));
        }
    }

    function signedRun(bytes32 id, bytes32 start, TaskResult[] memory rs, uint256 i) internal view returns (ResultRun memory) {
        return MarketSigning.run(market, id, start, rs, workerKey(i));
    }

    function runs(ResultRun memory a) internal pure returns (ResultRun[] memory rs) {
        rs = new ResultRun[](1);
        rs[0] = a;
    }

    function runs(ResultRun memory a, ResultRun memory b) internal pure returns (ResultRun[] memory rs) {
        rs = new ResultRun[](2);
        rs[0] = a;
        rs[1] = b;
    }

    function settleRuns(Deal memory d, bytes32 id, ResultRun[] memory rs) internal {
        vm.prank(d.scheduler);
        market.settleRuns(d, id, rs, "ipfs://results");
    }

    function expectRunRevert(Deal memory d, bytes32 id, ResultRun[] memory rs, bytes memory reason) internal {
        vm.expectRevert(reason);
        vm.prank(d.scheduler);
        market.settleRuns(d, id, rs, "");
    }

    // ------------------------------------------------------------ what a run settles and pays

    function test_runs_settleEachTaskAndPayAsContributionsWould() public {
        (bytes32 id, Deal memory d) = makeDeal(5, 1);
        uint256 w0 = balanceOf(worker(0));
        uint256 w1 = balanceOf(worker(1));
        uint256 pool = balanceOf(poolOwner);
        for (uint256 t = 0; t < 5; ++t) {
            vm.expectEmit(true, false, false, true, address(market));
            emit HearthMarket.TaskSettled(id, t, digestOf(t));
        }
        settleRuns(d, id, runs(signedRun(id, 0, results(0, 3), 0), signedRun(id, 0, results(3, 2), 1)));

        for (uint256 t = 0; t < 5; ++t) {
            assertTrue(market.isTaskDone(id, t), "task done");
        }
        assertEq(balanceOf(worker(0)), w0 + 3 * REWARD, "worker 0: three tasks");
        assertEq(balanceOf(worker(1)), w1 + 2 * REWARD, "worker 1: two tasks");
        assertEq(balanceOf(appOwner), 5 * APP_PRICE, "app owner");
        assertEq(balanceOf(datasetOwner), 5 * DATASET_PRICE, "dataset owner");
        assertEq(balanceOf(poolOwner), pool + 5 * POOL_STAKE + 5 * CUT, "pool owner: stakes back plus its share");
        assertEq(lockedOf(poolOwner), 0, "pool unlocked");
        assertEq(lockedOf(requester), 0, "requester unlocked");
        assertEq(scoreOf(worker(0)), 0, "a lone result moves no score");
    }

    function test_runs_aStretchInTheMiddleOfAChainIsProvenByTheHeadBeforeIt() public {
        (bytes32 id, Deal memory d) = makeDeal(6, 1);
        TaskResult[] memory before = results(0, 2);
        bytes32 start = MarketSigning.headAfter(0, before);
        // Tasks 2-4 first, in any order; then the two the chain began with.
        TaskResult[] memory middle = new TaskResult[](3);
        middle[0] = TaskResult(4, digestOf(4));
        middle[1] = TaskResult(2, digestOf(2));
        middle[2] = TaskResult(3, digestOf(3));
        settleRuns(d, id, runs(signedRun(id, start, middle, 0)));
        assertTrue(market.isTaskDone(id, 2) && market.isTaskDone(id, 3) && market.isTaskDone(id, 4), "middle settled");
        assertTrue(!market.isTaskDone(id, 0), "start untouched");
        settleRuns(d, id, runs(signedRun(id, 0, before, 0)));
        assertTrue(market.isTaskDone(id, 0) && market.isTaskDone(id, 1), "start settled");
    }

    function test_runs_tasksBeyondTheFirstWordOfBits() public {
        (bytes32 id, Deal memory d) = makeDeal(400, 1);
        fund(worker(0), 100e9);
        vm.prank(worker(0));
        market.stake(100e9);
        settleRuns(d, id, runs(signedRun(id, 0, results(60, 300), 0)));
        assertTrue(market.isTaskDone(id, 63) && market.isTaskDone(id, 64) && market.isTaskDone(id, 359), "settled");
        assertTrue(!market.isTaskDone(id, 59) && !market.isTaskDone(id, 360), "others untouched");
    }

    function test_runs_callbackToldEachResult() public {
        RecordingCallback cb = new RecordingCallback();
        Orders memory o = orders();
        o.r.callback = address(cb);
        o.r.volume = 3;
        (bytes32 id, Deal memory d) = matchDeal(signAll(o));
        settleRuns(d, id, runs(signedRun(id, 0, results(0, 3), 0)));
        assertEq(cb.calls(), 3, "calls");
        assertEq(cb.digests(market.taskId(id, 2)), digestOf(2), "task 2");
    }

    // ------------------------------------------------------------ what a scheduler cannot do with a run

    /// @dev Any change to what the worker signed recovers another key, which has no stake.
    function test_runs_alteredResultsRecoverAStranger() public {
        (bytes32 id, Deal memory d) = makeDeal(4, 1);
        ResultRun memory honest = signedRun(id, 0, results(0, 3), 0);

        ResultRun memory forged = signedRun(id, 0, results(0, 3), 0);
        forged.results[1].digest = keccak256("forged");
        _expectStranger(d, id, forged);

        ResultRun memory dropped = signedRun(id, 0, results(0, 3), 0);
        TaskResult[] memory two = new TaskResult[](2);
        two[0] = dropped.results[0];
        two[1] = dropped.results[2];
        dropped.results = two;
        _expectStranger(d, id, dropped);

        ResultRun memory swapped = signedRun(id, 0, results(0, 3), 0);
        (swapped.results[0], swapped.results[1]) = (swapped.results[1], swapped.results[0]);
        _expectStranger(d, id, swapped);

        ResultRun memory moved = signedRun(id, 0, results(0, 3), 0);
        moved.results[2].task = 3;
        _expectStranger(d, id, moved);

        ResultRun memory restarted = signedRun(id, 0, results(0, 3), 0);
        restarted.start = keccak256("another start");
        _expectStranger(d, id, restarted);

        settleRuns(d, id, runs(honest));
        assertTrue(market.isTaskDone(id, 2), "the honest run settles");
    }

    function _expectStranger(Deal memory d, bytes32 id, ResultRun memory r) internal {
        vm.prank(d.scheduler);
        try market.settleRuns(d, id, runs(r), "") {
            revert("an altered run settled");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), Escrow.InsufficientStake.selector, "recovered an unstaked stranger");
        }
    }

    function test_runs_notReplayableInAnotherDeal() public {
        (bytes32 first, Deal memory d1) = makeDeal(2, 1);
        (bytes32 second, Deal memory d2) = makeDealSalted(2, 1, "second deal");
        ResultRun memory r = signedRun(first, 0, results(0, 2), 0);
        settleRuns(d1, first, runs(r));
        vm.prank(d2.scheduler);
        try market.settleRuns(d2, second, runs(r), "") {
            revert("replayed in another deal");
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), Escrow.InsufficientStake.selector, "another deal's run recovers a stranger");
        }
        assertTrue(!market.isTaskDone(second, 0), "second deal untouched");
    }

    function test_runs_refusedAboveTrustTwo() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 3);
        expectRunRevert(d, id, runs(signedRun(id, 0, results(0, 1), 0)), abi.encodeWithSelector(HearthMarket.RunsNeedLoneTrust.selector, 3));
    }

    function test_runs_aTaskTwiceReverts() public {
        (bytes32 id, Deal memory d) = makeDeal(4, 1);
        ResultRun[] memory both = runs(signedRun(id, 0, results(0, 2), 0), signedRun(id, 0, results(1, 2), 1));
        expectRunRevert(d, id, both, abi.encodeWithSelector(HearthMarket.TaskAlreadyDone.selector, 1));
        settleRuns(d, id, runs(signedRun(id, 0, results(0, 2), 0)));
        expectRunRevert(d, id, runs(signedRun(id, 0, results(0, 1), 1)), abi.encodeWithSelector(HearthMarket.TaskAlreadyDone.selector, 0));
    }

    function test_runs_oneStakeBacksOneContributionPerTask() public {
        (bytes32 id, Deal memory d) = makeDeal(3, 1);
        fund(stranger, 2 * WORKER_STAKE);
        vm.prank(stranger);
        market.stake(2 * WORKER_STAKE);
        ResultRun memory r = MarketSigning.run(market, id, 0, results(0, 3), STRANGER_KEY);
        expectRunRevert(d, id, runs(r), abi.encodeWithSelector(Escrow.InsufficientStake.selector, stranger, 3 * WORKER_STAKE, 2 * WORKER_STAKE));
        // Split in two runs of one settlement: backed together all the same.
        ResultRun memory a = MarketSigning.run(market, id, 0, results(0, 2), STRANGER_KEY);
        ResultRun memory b = MarketSigning.run(market, id, MarketSigning.headAfter(0, results(0, 2)), results(2, 1), STRANGER_KEY);
        expectRunRevert(d, id, runs(a, b), abi.encodeWithSelector(Escrow.InsufficientStake.selector, stranger, 3 * WORKER_STAKE, 2 * WORKER_STAKE));
        settleRuns(d, id, runs(a));
        assertTrue(market.isTaskDone(id, 1) && !market.isTaskDone(id, 2), "two backed");
    }

    function test_runs_malformedInputsRevertClearly() public {
        (bytes32 id, Deal memory d) = makeDeal(2, 1);
        expectRunRevert(d, id, new ResultRun[](0), abi.encodeWithSelector(HearthMarket.EmptyBatch.selector));
        ResultRun memory empty = signedRun(id, 0, new TaskResult[](0), 0);
        expectRunRevert(d, id, runs(empty), abi.encodeWithSelector(HearthMarket.BadRun.selector, 0));
        expectRunRevert(d, id, runs(signedRun(id, 0, results(1, 2), 0)), abi.encodeWithSelector(HearthMarket.TaskOutOfRange.selector, 2, 2));

        // The compact form has room for an s above half the curve order: refused, never recovered.
        ResultRun memory highS = signedRun(id, 0, results(0, 1), 0);
        highS.vs = bytes32(HALF_ORDER + 1);
        expectRunRevert(d, id, runs(highS), abi.encodeWithSelector(HearthMarket.BadRun.selector, 0));

        ResultRun memory zero = signedRun(id, 0, results(0, 1), 0);
        zero.r = 0;
        expectRunRevert(d, id, runs(zero), abi.encodeWithSelector(HearthMarket.BadRun.selector, 0));
        assertTrue(!market.isTaskDone(id, 0), "nothing settled");
    }

    function test_runs_onlyTheSchedulerBeforeTheDeadline() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 1);
        ResultRun[] memory rs = runs(signedRun(id, 0, results(0, 1), 0));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NotScheduler.selector, stranger, scheduler));
        vm.prank(stranger);
        market.settleRuns(d, id, rs, "");
        vm.warp(d.deadline);
        expectRunRevert(d, id, rs, abi.encodeWithSelector(HearthMarket.DeadlinePassed.selector, d.deadline));
        d.volume += 1;
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.UnknownDeal.selector, id));
        vm.prank(scheduler);
        market.settleRuns(d, id, rs, "");
    }
}
