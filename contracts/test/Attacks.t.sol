// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {Base, Orders} from "./Base.t.sol";
import {RecordingCallback} from "./utils/Mocks.sol";
import {Escrow} from "../src/market/Escrow.sol";
import {HearthMarket} from "../src/market/HearthMarket.sol";
import {AppRegistry, DatasetRegistry} from "../src/registries/ContentRegistry.sol";
import {WorkerpoolRegistry} from "../src/registries/WorkerpoolRegistry.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AppOrder, DatasetOrder, WorkerpoolOrder, RequestOrder, Deal, Contribution} from "../src/market/Types.sol";

/// @notice A token without the supply cap of HearthToken: the market must not rely on the cap.
contract UncappedToken is ERC20 {
    constructor() ERC20("Uncapped", "UNC") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice The attacks of the certification review (docs/security.md), each played against the market as an
/// attacker would play it. Every test asserts what a requester, worker or pool owner expects; on the market
/// before the certification redesign each of these scenarios ended the other way.
contract AttacksTest is Base {
    bytes32 internal constant RESULT = keccak256("result");
    bytes32 internal constant WRONG = keccak256("wrong result");
    uint256 internal constant SYBIL_BASE = 0x5B1000;
    uint256 internal constant ATTACKER_KEY = 0xA77AC;

    address internal attacker;

    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < 12; ++i) {
            newWorker(i); // honest workers, 10 tokens staked each
        }
        attacker = vm.addr(ATTACKER_KEY);
    }

    function worker(uint256 i) internal pure returns (address) {
        return vm.addr(workerKey(i));
    }

    function sybil(uint256 i) internal pure returns (address) {
        return vm.addr(SYBIL_BASE + i);
    }

    function stakeSybil(uint256 i, uint256 amount) internal {
        fund(sybil(i), amount);
        vm.prank(sybil(i));
        market.stake(amount);
    }

    /// @dev A pool of the attacker's own, with the given policy; the attacker is its scheduler.
    function attackerPool(uint8 stakePercent) internal returns (uint256 id) {
        vm.prank(attacker);
        id = pools.register(attacker, stakePercent, 0, false, "", "");
    }

    // ------------------------------------------------------------ 1. workers made up by the scheduler

    /// @dev A pool whose policy asks no worker stake still gets the protocol minimum: fourteen fresh keys with
    /// nothing at stake cannot certify a made-up result at trust 10,000.
    function test_attack1_freshUnstakedKeysCannotCertify() public {
        uint256 myPool = attackerPool(0);
        Orders memory o = orders();
        o.p.workerpool = myPool;
        o.r.workerpool = myPool;
        o.r.trust = 10_000;
        o.aSig = signHash(APP_KEY, market.hashAppOrder(o.a));
        o.dSig = signHash(DATASET_KEY, market.hashDatasetOrder(o.d));
        o.rSig = signHash(REQUESTER_KEY, market.hashRequestOrder(o.r));
        fund(attacker, POOL_STAKE);
        vm.recordLogs();
        vm.prank(attacker); // its own pool order needs no signature
        bytes32 id = market.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, "", o.r, o.rSig);
        Deal memory d = dealFromLogs(id);
        assertEq(d.workerStake, MIN_WORKER_STAKE, "a zero-stake policy still asks the minimum");

        Contribution[] memory cs = new Contribution[](14);
        for (uint256 k = 0; k < 14; ++k) {
            cs[k] = contribution(id, 0, WRONG, SYBIL_BASE + k);
        }
        vm.expectRevert(abi.encodeWithSelector(Escrow.InsufficientStake.selector, sybil(0), MIN_WORKER_STAKE, 0));
        vm.prank(attacker);
        market.settle(d, id, cs, "");
        assertTrue(!market.isTaskDone(id, 0), "nothing certified");
    }

    /// @dev Fourteen stakes of one contribution each cannot back 140 contributions in one settlement.
    function test_attack1_oneStakeBacksOneContributionPerSettlement() public {
        uint256 tasks = 10;
        (bytes32 id, Deal memory d) = makeDeal(tasks, 10_000);
        for (uint256 k = 0; k < 14; ++k) {
            stakeSybil(k, WORKER_STAKE);
        }
        Contribution[] memory cs = new Contribution[](14 * tasks);
        for (uint256 t = 0; t < tasks; ++t) {
            for (uint256 k = 0; k < 14; ++k) {
                cs[t * 14 + k] = contribution(id, t, WRONG, SYBIL_BASE + k);
            }
        }
        vm.expectRevert(
            abi.encodeWithSelector(Escrow.InsufficientStake.selector, sybil(0), 2 * WORKER_STAKE, WORKER_STAKE)
        );
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
    }

    // ------------------------------------------------------------ 2. the scheduler chooses the contributions

    /// @dev Three keys with one stake each cannot put a whole batch against an honest worker: every one of
    /// their contributions must be backed.
    function test_attack2_thinlyStakedKeysCannotOutvoteAWholeBatch() public {
        uint256 tasks = 34;
        (bytes32 id, Deal memory d) = makeDeal(tasks, 3);
        for (uint256 k = 0; k < 3; ++k) {
            stakeSybil(k, WORKER_STAKE);
        }
        Contribution[] memory cs = sandwich(id, tasks);
        vm.expectRevert(
            abi.encodeWithSelector(Escrow.InsufficientStake.selector, sybil(0), 2 * WORKER_STAKE, WORKER_STAKE)
        );
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
        assertEq(stakeOf(worker(0)), 10e9, "the honest stake is untouched");
    }

    /// @dev Where the attacker does back every contribution, slashing the honest worker pays the attacker
    /// nothing (the stake is seized), and the honest worker's reputation elsewhere is untouched.
    function test_attack2_slashingAnHonestWorkerPaysTheAttackerNothing() public {
        // worker 0 earned reputation in another pool first.
        uint256 otherPool = attackerPool(30);
        uint256 tasks = 10;
        for (uint256 k = 0; k < 3; ++k) {
            stakeSybil(k, tasks * WORKER_STAKE);
        }
        (bytes32 id, Deal memory d) = makeDeal(tasks, 3);
        uint256 sybilsBefore = balanceOf(sybil(0)) + balanceOf(sybil(1)) + balanceOf(sybil(2));
        uint256 poolBefore = balanceOf(poolOwner);
        Contribution[] memory cs = sandwich(id, tasks);
        vm.prank(scheduler);
        market.settle(d, id, cs, "");

        uint256 gained = balanceOf(sybil(0)) + balanceOf(sybil(1)) + balanceOf(sybil(2)) - sybilsBefore;
        uint256 poolGained = balanceOf(poolOwner) - poolBefore;
        assertEq(gained + poolGained, tasks * (POOL_PRICE + POOL_STAKE), "only the price and the pool's stake back");
        assertEq(market.seized(), tasks * WORKER_STAKE, "the honest worker's loss is seized, paid to nobody");
        assertEq(market.scoreOf(worker(0), otherPool), 0, "reputation in another pool is not touched");
    }

    /// @dev One honest contribution and three of the attacker's for every task.
    function sandwich(bytes32 id, uint256 tasks) internal view returns (Contribution[] memory cs) {
        cs = new Contribution[](4 * tasks);
        for (uint256 t = 0; t < tasks; ++t) {
            cs[4 * t] = contribution(id, t, RESULT, workerKey(0));
            for (uint256 k = 0; k < 3; ++k) {
                cs[4 * t + 1 + k] = contribution(id, t, WRONG, SYBIL_BASE + k);
            }
        }
    }

    // ------------------------------------------------------------ 3. reputation for the price of gas

    /// @dev Farming in a pool of one's own, with a zero price, earns no score at all; with a price, it earns
    /// score in that pool only. In the honest pool the farmed keys weigh as new workers, the honest
    /// majority wins at trust 100, and the farmers are the ones slashed.
    function test_attack3_farmedReputationDoesNotCarryToAnotherPool() public {
        uint256 myPool = attackerPool(0);
        stakeSybil(0, 10e9);
        stakeSybil(1, 10e9);
        vm.prank(attacker);
        uint256 myApp = apps.register(keccak256("noop"), "", "");
        fund(attacker, 1_000e9);
        for (uint256 priced = 0; priced < 2; ++priced) {
            uint256 n = 64;
            (bytes32 fid, Deal memory fd) = selfDeal(myApp, myPool, n, priced * 1e9);
            Contribution[] memory cs = new Contribution[](2 * n);
            for (uint256 t = 0; t < n; ++t) {
                cs[2 * t] = contribution(fid, t, RESULT, SYBIL_BASE);
                cs[2 * t + 1] = contribution(fid, t, RESULT, SYBIL_BASE + 1);
            }
            vm.prank(attacker);
            market.settle(fd, fid, cs, "");
            assertEq(market.scoreOf(sybil(0), myPool), priced * n, "score only for paid work, in that pool");
        }
        assertEq(market.scoreOf(sybil(0), pool), 0, "no weight in the honest pool");

        (bytes32 id, Deal memory d) = makeDeal(1, 100);
        Contribution[] memory all = new Contribution[](11);
        for (uint256 k = 0; k < 9; ++k) {
            all[k] = contribution(id, 0, RESULT, workerKey(k));
        }
        all[9] = contribution(id, 0, WRONG, SYBIL_BASE);
        all[10] = contribution(id, 0, WRONG, SYBIL_BASE + 1);
        settleAsScheduler(d, id, all);
        assertEq(stakeOf(worker(0)), 10e9, "honest replicas keep their stake");
        assertEq(stakeOf(sybil(0)), 10e9 - WORKER_STAKE, "the farmer is slashed");
    }

    function selfDeal(uint256 myApp, uint256 myPool, uint256 n, uint256 price) internal returns (bytes32, Deal memory) {
        AppOrder memory a;
        a.app = myApp;
        a.volume = n;
        a.salt = bytes32(price + 1);
        DatasetOrder memory none;
        WorkerpoolOrder memory p;
        p.workerpool = myPool;
        p.workerpoolprice = price;
        p.volume = n;
        p.trust = 100;
        p.salt = bytes32(price + 1);
        RequestOrder memory r;
        r.app = myApp;
        r.workerpool = myPool;
        r.workerpoolmaxprice = price;
        r.requester = attacker;
        r.volume = n;
        r.trust = 3;
        r.salt = bytes32(price + 1);
        vm.recordLogs();
        vm.prank(attacker);
        bytes32 fid = market.matchOrders(a, "", none, "", p, "", r, "");
        return (fid, dealFromLogs(fid));
    }

    // ------------------------------------------------------------ 4. failed tasks

    /// @dev A nondeterministic app: no consensus, then a refund of the price alone.
    function test_attack4_requesterDoesNotProfitFromAFailedTask() public {
        (bytes32 id, Deal memory d) = makeDeal(1, 3);
        Contribution[] memory cs = new Contribution[](2);
        cs[0] = contribution(id, 0, RESULT, workerKey(0));
        cs[1] = contribution(id, 0, keccak256("another run"), workerKey(1));
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.NoConsensus.selector, 0));
        vm.prank(scheduler);
        market.settle(d, id, cs, "");
        vm.warp(d.deadline);
        market.claim(d, id, list(0));
        assertEq(balanceOf(requester), FUNDS, "the requester gets its money back, no more");
        assertEq(market.seized(), POOL_STAKE, "the pool's stake goes to nobody");
    }

    /// @dev The requester's own worker computes, signs, then starts unstaking: the settlement still goes
    /// through (unbonding stake backs it), so the requester pays for the results it has.
    function test_attack4_unstakingAfterSigningDoesNotBlockSettlement() public {
        uint256 tasks = 5;
        (bytes32 id, Deal memory d) = makeDeal(tasks, 1);
        Contribution[] memory cs = new Contribution[](tasks);
        for (uint256 t = 0; t < tasks; ++t) {
            cs[t] = contribution(id, t, RESULT, workerKey(7));
        }
        vm.prank(worker(7));
        market.requestUnstake(10e9);
        settleAsScheduler(d, id, cs);
        for (uint256 t = 0; t < tasks; ++t) {
            assertTrue(market.isTaskDone(id, t), "settled");
        }
        assertEq(balanceOf(requester), FUNDS - tasks * PRICE, "the requester paid for its results");
    }

    // ------------------------------------------------------------ 5. open requests sniped whole

    function test_attack5_aSmallDealLeavesTheRestOfAnOpenRequest() public {
        Orders memory o = orders();
        o.r.workerpool = 0; // any pool
        o.r.volume = 10;
        o.a.volume = 100;
        o.d.volume = 100;
        o.p.volume = 100;
        o = signAll(o);
        uint256 myPool = attackerPool(30);
        fund(attacker, POOL_STAKE);
        WorkerpoolOrder memory p = poolOrder();
        p.workerpool = myPool;
        p.volume = 1;
        vm.prank(attacker);
        bytes32 first = market.matchOrders(o.a, o.aSig, o.d, o.dSig, p, "", o.r, o.rSig);
        bytes32 h = market.hashRequestOrder(o.r);
        assertEq(first, h, "the first deal has the request's hash as id");
        assertEq(market.remainingRequest(h, 10), 9, "nine tasks left");

        vm.recordLogs();
        bytes32 second = callMatch(o);
        assertEq(second, keccak256(abi.encode(h, uint256(1))), "a later deal's id");
        Deal memory d = dealFromLogs(second);
        assertEq(d.volume, 9, "the honest pool takes the other nine");
        assertEq(market.remainingRequest(h, 10), 0, "request used up");
        assertEq(lockedOf(requester), 10 * PRICE, "ten tasks paid for, not more");
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.OrderConsumed.selector, HearthMarket.Party.Requester, h));
        callMatch(o);
    }

    // ------------------------------------------------------------ 6. address zero

    function test_attack6_nobodySignsForAddressZero() public {
        token.mint(stranger, 50e9);
        vm.startPrank(stranger);
        token.approve(address(market), 50e9);
        market.depositFor(address(0), 50e9);
        vm.stopPrank();

        vm.prank(attacker);
        uint256 myApp = apps.register(keccak256("thief app"), "", "");
        uint256 myPool = attackerPool(0);
        AppOrder memory a;
        a.app = myApp;
        a.appprice = 50e9;
        a.volume = 1;
        DatasetOrder memory none;
        WorkerpoolOrder memory p;
        p.workerpool = myPool;
        p.volume = 1;
        RequestOrder memory r;
        r.app = myApp;
        r.appmaxprice = 50e9;
        r.workerpool = myPool;
        r.requester = address(0);
        r.volume = 1;
        bytes32 h = market.hashRequestOrder(r);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.BadSignature.selector, HearthMarket.Party.Requester, h));
        vm.prank(attacker);
        market.matchOrders(a, "", none, "", p, "", r, "");
        assertEq(balanceOf(address(0)), 50e9, "address zero's escrow untouched");
    }

    // ------------------------------------------------------------ 7. the smaller ones

    /// @dev A requester's callback costs the scheduler gas: a pool that did not opt in is not matched with one.
    function test_attack7_callbacksOnlyWithPoolsThatAcceptThem() public {
        uint256 quiet = attackerPool(30);
        fund(attacker, POOL_STAKE);
        Orders memory o = orders();
        o.p.workerpool = quiet;
        o.r.workerpool = quiet;
        o.r.callback = address(new RecordingCallback());
        o = signAll(o);
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.CallbacksRefused.selector, quiet));
        vm.prank(attacker);
        market.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, "", o.r, o.rSig);
    }

    /// @dev A category whose deadline outlasts the unbonding period would let a liar withdraw its stake
    /// before the settlement could slash it.
    function test_attack7_categoriesEndBeforeUnbonding() public {
        vm.expectRevert(abi.encodeWithSelector(HearthMarket.BadCategory.selector, UNBONDING / 10));
        market.createCategory(uint32(UNBONDING / 10));
        uint256 id = market.createCategory(uint32(UNBONDING / 10 - 1));
        assertEq(market.categoryTime(id), UNBONDING / 10 - 1, "the longest allowed");

        vm.expectRevert(abi.encodeWithSelector(HearthMarket.BadCategory.selector, 10_800));
        new HearthMarket(token, apps, datasets, pools, 1 days, MIN_WORKER_STAKE, address(this));
    }

    /// @dev With a token that has no supply cap, locked funds beyond 2^96 revert instead of wrapping.
    function test_attack7_lockIsCheckedWithAnyToken() public {
        UncappedToken t = new UncappedToken();
        HearthMarket m = new HearthMarket(t, apps, datasets, pools, UNBONDING, MIN_WORKER_STAKE, address(this));
        uint256 most = type(uint96).max;
        t.mint(requester, 2 * most);
        vm.startPrank(requester);
        t.approve(address(m), 2 * most);
        m.deposit(most);
        vm.stopPrank();

        Orders memory o = orders();
        o.a.appprice = most;
        o.r.appmaxprice = most;
        o.d.datasetprice = 0;
        o.r.datasetmaxprice = 0;
        o.p.workerpoolprice = 0;
        o.r.workerpoolmaxprice = 0;
        o.aSig = signHash(APP_KEY, m.hashAppOrder(o.a));
        o.dSig = signHash(DATASET_KEY, m.hashDatasetOrder(o.d));
        o.pSig = signHash(POOL_KEY, m.hashWorkerpoolOrder(o.p));
        o.rSig = signHash(REQUESTER_KEY, m.hashRequestOrder(o.r));
        m.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, o.pSig, o.r, o.rSig);
        (, uint256 locked,,,) = m.accountOf(requester);
        assertEq(locked, most, "all of it locked");

        vm.prank(requester);
        m.deposit(most);
        o.r.salt = keccak256("second");
        o.a.salt = keccak256("second");
        o.aSig = signHash(APP_KEY, m.hashAppOrder(o.a));
        o.rSig = signHash(REQUESTER_KEY, m.hashRequestOrder(o.r));
        vm.expectRevert(); // checked arithmetic: the locked total no longer fits 96 bits
        m.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, o.pSig, o.r, o.rSig);
        (, locked,,,) = m.accountOf(requester);
        assertEq(locked, most, "nothing wrapped");
    }
}
