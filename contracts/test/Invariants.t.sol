// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {vm} from "./utils/Vm.sol";
import {Asserts} from "./utils/Asserts.sol";
import {MarketSigning} from "./utils/MarketSigning.sol";
import {HearthToken} from "../src/HearthToken.sol";
import {AppRegistry, DatasetRegistry} from "../src/registries/ContentRegistry.sol";
import {WorkerpoolRegistry} from "../src/registries/WorkerpoolRegistry.sol";
import {HearthMarket} from "../src/market/HearthMarket.sol";
import {AppOrder, DatasetOrder, WorkerpoolOrder, RequestOrder, Deal, Contribution} from "../src/market/Types.sol";

/// @notice Drives the market with random deposits, withdrawals, stakes, unstakes, matches,
/// settlements (honest and dishonest), claims and time warps, keeping ghost accounts to check against.
contract MarketHandler is Asserts {
    uint256 internal constant APP_KEY = 0xA11CE;
    uint256 internal constant DATASET_KEY = 0xDA7A;
    uint256 internal constant POOL_KEY = 0x9001;
    uint256 internal constant SCHEDULER_KEY = 0x5C4ED;
    uint256 internal constant STRANGER_KEY = 0xBAD;
    uint256 internal constant WORKERS = 6;
    bytes32 internal constant RESULT = keccak256("result");
    bytes32 internal constant WRONG = keccak256("wrong");

    HearthToken public token;
    AppRegistry public apps;
    DatasetRegistry public datasets;
    WorkerpoolRegistry public pools;
    HearthMarket public market;
    HearthMarket public otherMarket;

    uint256 internal immutable homeChain;
    uint256 internal app;
    uint256 internal dataset;
    uint256 internal pool;
    address internal scheduler;
    uint256[2] internal requesterKeys = [uint256(0xBEEF), 0xBEEF2];

    address[] public accounts;
    bytes32[] public orderHashes;
    mapping(bytes32 => uint256) public orderVolume;
    mapping(bytes32 => uint256) public ghostConsumed;
    mapping(bytes32 => bool) public isRequest;

    bytes32[] public dealIds;
    mapping(bytes32 => Deal) internal _deals;
    mapping(bytes32 => mapping(uint256 => uint256)) public doneCount;
    mapping(bytes32 => uint256) public settledAt;

    uint256 public ghostLocked;
    uint256 public violations;
    string public lastViolation;
    uint256 public matches;
    uint256 public settlements;
    uint256 public claims;
    uint256 internal salt;

    constructor() {
        homeChain = block.chainid;
        token = new HearthToken(address(this));
        apps = new AppRegistry();
        datasets = new DatasetRegistry();
        pools = new WorkerpoolRegistry();
        market = new HearthMarket(token, apps, datasets, pools, 7 days, 1e8, address(this));
        otherMarket = new HearthMarket(token, apps, datasets, pools, 7 days, 1e8, address(this));
        scheduler = vm.addr(SCHEDULER_KEY);

        vm.prank(vm.addr(APP_KEY));
        app = apps.register(keccak256("app"), "", "");
        vm.prank(vm.addr(DATASET_KEY));
        dataset = datasets.register(keccak256("dataset"), "", "");
        vm.prank(vm.addr(POOL_KEY));
        pool = pools.register(scheduler, 30, 10, false, "", "");

        accounts.push(vm.addr(APP_KEY));
        accounts.push(vm.addr(DATASET_KEY));
        accounts.push(vm.addr(POOL_KEY));
        accounts.push(scheduler);
        accounts.push(vm.addr(STRANGER_KEY));
        for (uint256 i = 0; i < 2; ++i) {
            accounts.push(vm.addr(requesterKeys[i]));
            _fund(vm.addr(requesterKeys[i]), 5_000e9);
        }
        _fund(vm.addr(POOL_KEY), 2_000e9);
        for (uint256 i = 0; i < WORKERS; ++i) {
            address w = vm.addr(0x3000 + i);
            accounts.push(w);
            _fund(w, 100e9);
            vm.prank(w);
            market.stake(50e9);
        }
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    function orderCount() external view returns (uint256) {
        return orderHashes.length;
    }

    function dealCount() external view returns (uint256) {
        return dealIds.length;
    }

    function dealVolume(uint256 i) external view returns (uint256) {
        return _deals[dealIds[i]].volume;
    }

    function _fund(address a, uint256 amount) internal {
        token.mint(a, amount);
        vm.startPrank(a);
        token.approve(address(market), amount);
        market.deposit(amount);
        vm.stopPrank();
    }

    function _violation(string memory what) internal {
        violations += 1;
        lastViolation = what;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return accounts[seed % accounts.length];
    }

    function _balance(address a) internal view returns (uint256 b) {
        (b,,,,) = market.accountOf(a);
    }

    // ------------------------------------------------------------ escrow actions

    function deposit(uint256 actorSeed, uint256 amount) external {
        address a = _actor(actorSeed);
        amount = bound(amount, 1, 100e9);
        _fund(a, amount);
    }

    function withdraw(uint256 actorSeed, uint256 amount) external {
        address a = _actor(actorSeed);
        uint256 b = _balance(a);
        if (b == 0) return;
        amount = bound(amount, 1, b);
        vm.prank(a);
        market.withdraw(amount);
    }

    function stake(uint256 actorSeed, uint256 amount) external {
        address a = _actor(actorSeed);
        uint256 b = _balance(a);
        if (b == 0) return;
        amount = bound(amount, 1, b < 20e9 ? b : 20e9);
        vm.prank(a);
        market.stake(amount);
    }

    function requestUnstake(uint256 actorSeed, uint256 amount) external {
        address a = _actor(actorSeed);
        (,, uint256 s,,) = market.accountOf(a);
        if (s == 0) return;
        amount = bound(amount, 1, s);
        vm.prank(a);
        market.requestUnstake(amount);
    }

    function withdrawUnstaked(uint256 actorSeed) external {
        address a = _actor(actorSeed);
        (,,, uint256 unbonding, uint256 readyAt) = market.accountOf(a);
        if (unbonding == 0 || block.timestamp < readyAt) return;
        vm.prank(a);
        market.withdrawUnstaked();
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 5_000));
    }

    // ------------------------------------------------------------ matching

    struct Signed {
        AppOrder a;
        bytes aSig;
        DatasetOrder d;
        bytes dSig;
        WorkerpoolOrder p;
        bytes pSig;
        RequestOrder r;
        bytes rSig;
    }

    function _sign(uint256 key, bytes32 h) internal pure returns (bytes memory) {
        return MarketSigning.sign(key, h);
    }

    function _orders(uint256 seed, uint256 volume, uint256 trust, bool withDataset)
        internal
        returns (Signed memory o, uint256 requesterKey)
    {
        uint256 av = seed % 3;
        uint256 pv = (seed >> 8) % 3;
        o.a = AppOrder(app, [uint256(0), 1e8, 3e8][av], [uint256(20), 50, 100][av], 0, 0, 0, address(0), 0, bytes32(av));
        o.p = WorkerpoolOrder(
            pool, [uint256(0), 5e8, 1e9][pv], [uint256(30), 60, 200][pv], 0, pv % 2, 100, 0, 0, address(0), 0, bytes32(pv)
        );
        if (withDataset) {
            uint256 dv = (seed >> 16) % 2;
            o.d = DatasetOrder(dataset, 2e8, [uint256(40), 150][dv], 0, 0, 0, address(0), 0, bytes32(dv));
        }
        requesterKey = requesterKeys[(seed >> 24) % 2];
        o.r.app = app;
        o.r.appmaxprice = o.a.appprice;
        o.r.dataset = withDataset ? dataset : 0;
        o.r.datasetmaxprice = o.d.datasetprice;
        o.r.workerpool = pool;
        o.r.workerpoolmaxprice = o.p.workerpoolprice;
        o.r.requester = vm.addr(requesterKey);
        o.r.volume = volume;
        o.r.category = o.p.category;
        o.r.trust = trust;
        o.r.beneficiary = o.r.requester;
        o.r.salt = bytes32(++salt);
        o.aSig = _sign(APP_KEY, market.hashAppOrder(o.a));
        o.dSig = withDataset ? _sign(DATASET_KEY, market.hashDatasetOrder(o.d)) : bytes("");
        o.pSig = _sign(POOL_KEY, market.hashWorkerpoolOrder(o.p));
        o.rSig = _sign(requesterKey, market.hashRequestOrder(o.r));
    }

    function _track(bytes32 h, uint256 volume) internal {
        if (orderVolume[h] == 0 && ghostConsumed[h] == 0) {
            orderHashes.push(h);
            orderVolume[h] = volume;
        }
    }

    function _isBadSignature(bytes memory ret) internal pure returns (bool) {
        return ret.length >= 4 && bytes4(ret) == HearthMarket.BadSignature.selector;
    }

    function matchOrders(uint256 seed, uint256 volume, uint256 trust, bool withDataset) external {
        volume = bound(volume, 1, 90);
        trust = bound(trust, 1, 5);
        (Signed memory o, uint256 requesterKey) = _orders(seed, volume, trust, withDataset);
        _checkReplays(o, requesterKey);

        vm.recordLogs();
        try market.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, o.pSig, o.r, o.rSig) returns (bytes32 id) {
            Deal memory d = _dealFromLogs(id);
            _deals[id] = d;
            dealIds.push(id);
            matches += 1;
            _track(market.hashAppOrder(o.a), o.a.volume);
            ghostConsumed[market.hashAppOrder(o.a)] += d.volume;
            _track(market.hashWorkerpoolOrder(o.p), o.p.volume);
            ghostConsumed[market.hashWorkerpoolOrder(o.p)] += d.volume;
            if (withDataset) {
                _track(market.hashDatasetOrder(o.d), o.d.volume);
                ghostConsumed[market.hashDatasetOrder(o.d)] += d.volume;
            }
            ghostLocked += uint256(d.volume) * _perTask(d);
            bytes32 rh = market.hashRequestOrder(o.r);
            _track(rh, o.r.volume);
            ghostConsumed[rh] += d.volume;
            isRequest[rh] = true;
            _checkRequestNotOvermatched(o);
        } catch {}
    }

    function _perTask(Deal memory d) internal pure returns (uint256) {
        return uint256(d.appPrice) + d.datasetPrice + d.poolPrice + d.poolStake;
    }

    function _dealFromLogs(bytes32 id) internal returns (Deal memory) {
        return MarketSigning.dealFromLogs(id);
    }

    /// @dev The same signatures must not work on another market, on another chain, or for another order.
    function _checkReplays(Signed memory o, uint256) internal {
        try otherMarket.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, o.pSig, o.r, o.rSig) {
            _violation("orders replayed on another market");
        } catch (bytes memory ret) {
            if (!_isBadSignature(ret)) _violation("other market: not a signature failure");
        }

        vm.chainId(homeChain + 1);
        try market.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, o.pSig, o.r, o.rSig) {
            _violation("orders replayed on another chain");
        } catch (bytes memory ret) {
            if (!_isBadSignature(ret)) _violation("other chain: not a signature failure");
        }
        vm.chainId(homeChain);

        bytes32 signedSalt = o.a.salt;
        o.a.salt = keccak256(abi.encode(signedSalt));
        try market.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, o.pSig, o.r, o.rSig) {
            _violation("app signature replayed on another order");
        } catch (bytes memory ret) {
            if (!_isBadSignature(ret)) _violation("forged order: not a signature failure");
        }
        o.a.salt = signedSalt;
    }

    /// @dev A request's volume is tracked: matching it again takes at most what is left of it.
    function _checkRequestNotOvermatched(Signed memory o) internal {
        bytes32 rh = market.hashRequestOrder(o.r);
        uint256 left = o.r.volume - ghostConsumed[rh];
        if (market.remainingRequest(rh, o.r.volume) != left) _violation("request remaining volume is wrong");
        if (left != 0) return;
        try market.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, o.pSig, o.r, o.rSig) {
            _violation("request matched beyond its volume");
        } catch {}
    }

    // ------------------------------------------------------------ settlement and refunds

    function _pickDeal(uint256 seed) internal view returns (bytes32 id, Deal memory d, bool found) {
        if (dealIds.length == 0) return (id, d, false);
        id = dealIds[seed % dealIds.length];
        d = _deals[id];
        found = true;
    }

    /// @dev Up to `count` tasks of the deal, in increasing order, that are (or, when `done`, are not) open.
    function _pickTasks(bytes32 id, Deal memory d, uint256 seed, uint256 count, bool done)
        internal
        view
        returns (uint256[] memory tasks)
    {
        uint256[] memory buf = new uint256[](count);
        uint256 n;
        uint256 start = seed % d.volume;
        for (uint256 k = 0; k < d.volume && n < count; ++k) {
            uint256 t = start + k;
            if (t >= d.volume) break;
            if ((doneCount[id][t] != 0) == done) buf[n++] = t;
        }
        tasks = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) {
            tasks[k] = buf[k];
        }
    }

    function _contribution(bytes32 id, uint256 task, bytes32 digest, uint256 key)
        internal
        view
        returns (Contribution memory)
    {
        return MarketSigning.contribution(market, id, task, digest, key);
    }

    function _batch(bytes32 id, uint256[] memory tasks, uint256 seed, bool dishonest)
        internal
        view
        returns (Contribution[] memory cs)
    {
        uint256 per = dishonest ? 5 : 4;
        cs = new Contribution[](tasks.length * per);
        for (uint256 k = 0; k < tasks.length; ++k) {
            for (uint256 j = 0; j < per; ++j) {
                uint256 w = 0x3000 + (seed + j) % WORKERS;
                bytes32 digest = dishonest && j == per - 1 ? WRONG : RESULT;
                cs[k * per + j] = _contribution(id, tasks[k], digest, w);
            }
        }
    }

    function settle(uint256 dealSeed, uint256 taskSeed, uint256 count, uint256 workerSeed, bool dishonest) external {
        (bytes32 id, Deal memory d, bool found) = _pickDeal(dealSeed);
        if (!found) return;
        uint256[] memory tasks = _pickTasks(id, d, taskSeed, bound(count, 1, 8), false);
        if (tasks.length == 0) return;
        Contribution[] memory cs = _batch(id, tasks, workerSeed, dishonest);
        uint256 lockedBefore = _totalLocked();
        vm.prank(d.scheduler);
        try market.settle(d, id, cs, "") {
            if (block.timestamp >= d.deadline) _violation("settled after the deadline");
            for (uint256 k = 0; k < tasks.length; ++k) {
                doneCount[id][tasks[k]] += 1;
            }
            ghostLocked -= tasks.length * _perTask(d);
            if (lockedBefore - _totalLocked() != tasks.length * _perTask(d)) _violation("settle released a wrong amount");
            settlements += tasks.length;
        } catch {}
    }

    function settleByNonScheduler(uint256 dealSeed, uint256 taskSeed, uint256 actorSeed) external {
        (bytes32 id, Deal memory d, bool found) = _pickDeal(dealSeed);
        if (!found) return;
        uint256[] memory tasks = _pickTasks(id, d, taskSeed, 1, false);
        if (tasks.length == 0) return;
        Contribution[] memory cs = _batch(id, tasks, taskSeed, false);
        address caller = _actor(actorSeed);
        if (caller == d.scheduler) caller = vm.addr(STRANGER_KEY);
        vm.prank(caller);
        try market.settle(d, id, cs, "") {
            _violation("settled by a non-scheduler");
        } catch {}
    }

    function settleDoneTask(uint256 dealSeed, uint256 taskSeed) external {
        (bytes32 id, Deal memory d, bool found) = _pickDeal(dealSeed);
        if (!found) return;
        uint256[] memory tasks = _pickTasks(id, d, taskSeed, 1, true);
        if (tasks.length == 0) return;
        Contribution[] memory cs = _batch(id, tasks, taskSeed, false);
        vm.prank(d.scheduler);
        try market.settle(d, id, cs, "") {
            _violation("a done task settled again");
        } catch {}
    }

    function claim(uint256 dealSeed, uint256 taskSeed, uint256 count, uint256 actorSeed) external {
        (bytes32 id, Deal memory d, bool found) = _pickDeal(dealSeed);
        if (!found) return;
        uint256[] memory tasks = _pickTasks(id, d, taskSeed, bound(count, 1, 20), false);
        if (tasks.length == 0) return;
        uint256 lockedBefore = _totalLocked();
        vm.prank(_actor(actorSeed));
        try market.claim(d, id, tasks) {
            if (block.timestamp < d.deadline) _violation("refunded before the deadline");
            for (uint256 k = 0; k < tasks.length; ++k) {
                doneCount[id][tasks[k]] += 1;
            }
            ghostLocked -= tasks.length * _perTask(d);
            if (lockedBefore - _totalLocked() != tasks.length * _perTask(d)) _violation("claim released a wrong amount");
            claims += tasks.length;
        } catch {}
    }

    function claimDoneTask(uint256 dealSeed, uint256 taskSeed) external {
        (bytes32 id, Deal memory d, bool found) = _pickDeal(dealSeed);
        if (!found) return;
        uint256[] memory tasks = _pickTasks(id, d, taskSeed, 1, true);
        if (tasks.length == 0) return;
        try market.claim(d, id, tasks) {
            _violation("a done task refunded");
        } catch {}
    }

    function _totalLocked() internal view returns (uint256 total) {
        for (uint256 i = 0; i < accounts.length; ++i) {
            (, uint256 l,,,) = market.accountOf(accounts[i]);
            total += l;
        }
    }
}

import {Vm} from "./utils/Vm.sol";

contract InvariantsTest is Asserts {
    MarketHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new MarketHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function test_handlerMakesDealsAndSettles() public {
        for (uint256 i = 0; i < 4; ++i) {
            handler.matchOrders(i * 0x01010101, 70 + i, 1 + i, i % 2 == 0);
        }
        handler.settle(0, 60, 8, 1, false);
        handler.settle(1, 0, 8, 2, true);
        handler.settle(2, 66, 8, 3, false);
        handler.settleDoneTask(0, 60);
        handler.settleByNonScheduler(1, 20, 3);
        handler.claim(0, 0, 20, 1);
        handler.claimDoneTask(0, 0);
        assertTrue(handler.matches() >= 2, "deals made");
        assertTrue(handler.settlements() >= 1, "tasks settled");
        assertEq(handler.violations(), 0, "no violation");
        invariant_tokensConserved();
        invariant_lockedEqualsOpenTasks();
        invariant_ordersConsumedExactlyByTheirDeals();
        invariant_eachTaskDoneAtMostOnce();
    }

    function invariant_tokensConserved() public view {
        HearthMarket market = handler.market();
        uint256 total;
        for (uint256 i = 0; i < handler.accountCount(); ++i) {
            (uint256 b, uint256 l, uint256 s, uint256 u,) = market.accountOf(handler.accounts(i));
            total += b + l + s + u;
        }
        assertEq(total + market.seized(), handler.token().balanceOf(address(market)), "escrow + seized == market token balance");
    }

    function invariant_lockedEqualsOpenTasks() public view {
        HearthMarket market = handler.market();
        uint256 locked;
        for (uint256 i = 0; i < handler.accountCount(); ++i) {
            (, uint256 l,,,) = market.accountOf(handler.accounts(i));
            locked += l;
        }
        assertEq(locked, handler.ghostLocked(), "locked == price + pool stake of every open task");
    }

    function invariant_ordersConsumedExactlyByTheirDeals() public view {
        HearthMarket market = handler.market();
        for (uint256 i = 0; i < handler.orderCount(); ++i) {
            bytes32 h = handler.orderHashes(i);
            uint256 v = handler.orderVolume(h);
            uint256 c = handler.isRequest(h) ? v - market.remainingRequest(h, v) : market.consumed(h);
            assertLe(c, v, "consumed within volume");
            assertEq(c, handler.ghostConsumed(h), "consumed == sum of its deals' volumes");
        }
    }

    function invariant_eachTaskDoneAtMostOnce() public view {
        HearthMarket market = handler.market();
        for (uint256 i = 0; i < handler.dealCount(); ++i) {
            bytes32 id = handler.dealIds(i);
            uint256 volume = handler.dealVolume(i);
            for (uint256 t = 0; t < volume; ++t) {
                uint256 n = handler.doneCount(id, t);
                assertLe(n, 1, "settled or refunded at most once");
                assertTrue(market.isTaskDone(id, t) == (n == 1), "done bit matches history");
            }
        }
    }

    function invariant_noViolations() public view {
        if (handler.violations() != 0) revert(handler.lastViolation());
    }
}
