// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {Base, Orders} from "./Base.t.sol";
import {HearthMarket} from "../src/market/HearthMarket.sol";
import {Deal, Contribution} from "../src/market/Types.sol";

/// @notice Who gains and who loses in each way a deal can end: every party's balance change is checked, and
/// the seized total accounts for the rest, so money is neither made nor lost and nobody but the honest
/// parties ends a deal richer than it started.
contract EconomicsTest is Base {
    bytes32 internal constant RESULT = keccak256("result");
    bytes32 internal constant WRONG = keccak256("wrong");

    uint256 internal constant CUT = POOL_PRICE * SCHEDULER_SHARE / 100;
    uint256 internal constant REWARD = POOL_PRICE - CUT;

    address[] internal parties;
    mapping(address => uint256) internal before;

    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < 4; ++i) {
            newWorker(i);
        }
        parties = [requester, appOwner, datasetOwner, poolOwner, scheduler, worker(0), worker(1), worker(2), worker(3)];
    }

    function worker(uint256 i) internal pure returns (address) {
        return vm.addr(workerKey(i));
    }

    /// @dev Free balance plus stake plus unbonding (what a party can eventually withdraw), excluding locked funds
    /// that the deal will release.
    function wealth(address a) internal view returns (uint256) {
        (uint256 b, uint256 l, uint256 s, uint256 u,) = market.accountOf(a);
        return b + l + s + u;
    }

    function snapshot() internal {
        for (uint256 i = 0; i < parties.length; ++i) {
            before[parties[i]] = wealth(parties[i]);
        }
    }

    function gain(address a) internal view returns (int256) {
        return int256(wealth(a)) - int256(before[a]);
    }

    function assertGain(int256 actual, int256 expected, string memory what) internal pure {
        if (actual != expected) revert(what);
    }

    function assertConserved() internal view {
        int256 total;
        for (uint256 i = 0; i < parties.length; ++i) {
            total += gain(parties[i]);
        }
        assertEq(uint256(-total), market.seized(), "what the parties lost together is exactly what was seized");
    }

    // ------------------------------------------------------------ failures

    function test_taskNeverSettled_requesterEven_poolLosesItsStake_nobodyGains() public {
        snapshot();
        (bytes32 id, Deal memory d) = makeDeal(2, 1);
        vm.warp(d.deadline);
        vm.prank(stranger);
        market.claim(d, id, list(0, 1));
        assertGain(gain(requester), 0, "requester gets back what it paid, no more");
        assertGain(gain(poolOwner), -int256(2 * POOL_STAKE), "the pool that did not deliver loses its stake");
        assertGain(gain(appOwner), 0, "app owner");
        assertGain(gain(datasetOwner), 0, "dataset owner");
        assertConserved();
    }

    function test_noConsensus_thenRefund_nobodyGains() public {
        snapshot();
        (bytes32 id, Deal memory d) = makeDeal(1, 3);
        Contribution[] memory cs = new Contribution[](2);
        cs[0] = contribution(id, 0, RESULT, workerKey(0));
        cs[1] = contribution(id, 0, WRONG, workerKey(1));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NoConsensus.selector, 0));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
        vm.warp(d.deadline);
        market.claim(d, id, list(0));
        assertGain(gain(requester), 0, "requester even");
        assertGain(gain(worker(0)), 0, "no worker paid");
        assertGain(gain(worker(1)), 0, "no worker slashed");
        assertConserved();
    }

    function test_dissentSlashed_agreeingPaidTheirRewardOnly() public {
        snapshot();
        (bytes32 id, Deal memory d) = makeDeal(1, 3);
        Contribution[] memory cs = new Contribution[](4);
        for (uint256 k = 0; k < 3; ++k) {
            cs[k] = contribution(id, 0, RESULT, workerKey(k));
        }
        cs[3] = contribution(id, 0, WRONG, workerKey(3));
        settleAsScheduler(d, id, cs);
        assertGain(gain(requester), -int256(PRICE), "requester pays the price");
        assertGain(gain(appOwner), int256(APP_PRICE), "app owner paid");
        assertGain(gain(datasetOwner), int256(DATASET_PRICE), "dataset owner paid");
        for (uint256 k = 0; k < 3; ++k) {
            assertGain(gain(worker(k)), int256(REWARD / 3), "agreeing worker: its share of the reward, nothing of the slash");
        }
        assertGain(gain(worker(3)), -int256(WORKER_STAKE), "dissenter loses its stake");
        assertGain(gain(poolOwner), int256(CUT + REWARD - 3 * (REWARD / 3)), "pool owner: its cut and the rounding");
        assertConserved();
    }

    // ------------------------------------------------------------ zero-price and zero-stake policies

    function test_zeroPriceDeal_nobodyEarns_noScoreMoves() public {
        snapshot();
        Orders memory o = orders();
        o.a.appprice = 0;
        o.d.datasetprice = 0;
        o.p.workerpoolprice = 0;
        o.r.trust = 3;
        (bytes32 id, Deal memory d) = matchDeal(signAll(o));
        Contribution[] memory cs = new Contribution[](2);
        cs[0] = contribution(id, 0, RESULT, workerKey(0));
        cs[1] = contribution(id, 0, RESULT, workerKey(1));
        settleAsScheduler(d, id, cs);
        for (uint256 i = 0; i < parties.length; ++i) {
            assertGain(gain(parties[i]), 0, "nobody earns or loses in a free deal");
        }
        assertEq(scoreOf(worker(0)), 0, "free work earns no reputation");
        assertConserved();
    }

    function test_zeroStakePolicy_stillPutsTheMinimumAtRisk() public {
        vm.prank(poolOwner);
        uint256 lax = pools.register(scheduler, 0, SCHEDULER_SHARE, false, "", "");
        Orders memory o = orders();
        o.p.workerpool = lax;
        o.r.workerpool = lax;
        o.r.trust = 3;
        (bytes32 id, Deal memory d) = matchDeal(signAll(o));
        assertEq(d.workerStake, MIN_WORKER_STAKE, "minimum");
        snapshot();
        Contribution[] memory cs = new Contribution[](4);
        for (uint256 k = 0; k < 3; ++k) {
            cs[k] = contribution(id, 0, RESULT, workerKey(k));
        }
        cs[3] = contribution(id, 0, WRONG, workerKey(3));
        settleAsScheduler(d, id, cs);
        assertGain(gain(worker(3)), -int256(MIN_WORKER_STAKE), "a liar loses the minimum even in a lax pool");
        assertConserved();
    }

    // ------------------------------------------------------------ the policy between signing and matching

    /// @dev The pool order is signed; the owner then rotates the scheduler (the only thing it can change).
    /// The deal carries the policy the pool was registered with.
    function test_policyAtMatchIsThePolicyAtSigning() public {
        Orders memory o = signAll(orders());
        vm.prank(poolOwner);
        pools.setScheduler(pool, stranger);
        (, Deal memory d) = matchDeal(o);
        assertEq(d.workerStake, WORKER_STAKE, "worker stake as registered");
        assertEq(d.schedulerShare, SCHEDULER_SHARE, "share as registered");
        assertEq(d.scheduler, stranger, "the rotated key settles");
    }
}
