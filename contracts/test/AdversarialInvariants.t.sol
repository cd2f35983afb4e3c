// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {Vm, vm} from "./utils/Vm.sol";
import {Asserts} from "./utils/Asserts.sol";
import {MarketSigning} from "./utils/MarketSigning.sol";
import {HearthToken} from "../src/HearthToken.sol";
import {AppRegistry, DatasetRegistry} from "../src/registries/ContentRegistry.sol";
import {WorkerpoolRegistry} from "../src/registries/WorkerpoolRegistry.sol";
import {HearthMarket} from "../src/market/HearthMarket.sol";
import {AppOrder, DatasetOrder, WorkerpoolOrder, RequestOrder, Deal, Contribution} from "../src/market/Types.sol";

/// @notice One honest pool whose scheduler settles with honest workers only, beside an attacker who runs a
/// pool of its own, farms reputation with Sybil keys in zero-price and paid self-deals, tries to settle with
/// keys it stakes thinly, and whose workers join the honest deals' task sets; honest workers unstake and
/// withdraw mid-deal. The honest actions never revert (liveness): any revert fails the run. The attacker's
/// actions may fail; when one succeeds, the handler checks it was backed.
contract AdversarialHandler is Asserts {
    uint256 internal constant POOL_KEY = 0x9001;
    uint256 internal constant SCHEDULER_KEY = 0x5C4ED;
    uint256 internal constant REQUESTER_KEY = 0xBEEF;
    uint256 internal constant ATTACKER_KEY = 0xA77AC;
    uint256 internal constant HONEST_BASE = 0x3000;
    uint256 internal constant HONEST = 8; // workers 0-4 never leave; 5-7 unstake and withdraw at will
    uint256 internal constant ANCHORS = 5;
    uint256 internal constant SYBIL_BASE = 0x5B1000;
    uint256 internal constant SYBILS = 4;
    uint256 internal constant POOL_PRICE = 1e9;
    bytes32 internal constant RESULT = keccak256("result");
    bytes32 internal constant WRONG = keccak256("wrong");

    HearthToken public token;
    AppRegistry internal apps;
    WorkerpoolRegistry internal pools;
    HearthMarket public market;
    uint256 public pool;
    uint256 public attackerPool;
    uint256 internal app;
    address internal attacker;
    uint256 internal salt;

    address[] public accounts;
    bytes32[] internal _honestDeals;
    mapping(bytes32 => Deal) internal _terms;
    mapping(bytes32 => mapping(uint256 => bool)) internal _done;

    uint256 public honestSettlements;
    uint256 public attackerSettlements;
    uint256 public unbackedSettlements;
    uint256 public honestSlashed;

    constructor() {
        token = new HearthToken(address(this));
        apps = new AppRegistry();
        pools = new WorkerpoolRegistry();
        DatasetRegistry datasets = new DatasetRegistry();
        market = new HearthMarket(token, apps, datasets, pools, 7 days, 1e8, address(this));
        attacker = vm.addr(ATTACKER_KEY);

        vm.prank(vm.addr(POOL_KEY));
        pool = pools.register(vm.addr(SCHEDULER_KEY), 30, 10, false, "", "");
        vm.startPrank(attacker);
        app = apps.register(keccak256("app"), "", "");
        attackerPool = pools.register(attacker, 0, 0, false, "", "");
        vm.stopPrank();

        _fund(vm.addr(POOL_KEY), 100_000e9);
        _fund(vm.addr(REQUESTER_KEY), 100_000e9);
        _fund(attacker, 100_000e9);
        for (uint256 i = 0; i < HONEST; ++i) {
            _fund(vm.addr(HONEST_BASE + i), 100e9);
            vm.prank(vm.addr(HONEST_BASE + i));
            market.stake(100e9);
        }
        for (uint256 i = 0; i < SYBILS; ++i) {
            _fund(vm.addr(SYBIL_BASE + i), 1e9);
        }
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    function sybil(uint256 i) public pure returns (address) {
        return vm.addr(SYBIL_BASE + i);
    }

    function _fund(address a, uint256 amount) internal {
        token.mint(a, amount);
        vm.startPrank(a);
        token.approve(address(market), amount);
        market.deposit(amount);
        vm.stopPrank();
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (accounts[i] == a) return;
        }
        accounts.push(a);
    }

    function _sign(uint256 key, bytes32 h) internal pure returns (bytes memory) {
        return MarketSigning.sign(key, h);
    }

    function _contribution(bytes32 id, uint256 task, bytes32 digest, uint256 key)
        internal
        view
        returns (Contribution memory)
    {
        return MarketSigning.contribution(market, id, task, digest, key);
    }

    function _dealFromLogs(bytes32 id) internal returns (Deal memory) {
        return MarketSigning.dealFromLogs(id);
    }

    function _match(uint256 workerpool, uint256 price, uint256 volume, uint256 trust, address requester)
        internal
        returns (bytes32 id, Deal memory d)
    {
        AppOrder memory a;
        a.app = app;
        a.volume = volume;
        a.salt = bytes32(++salt);
        DatasetOrder memory none;
        WorkerpoolOrder memory p;
        p.workerpool = workerpool;
        p.workerpoolprice = price;
        p.volume = volume;
        p.trust = 100;
        p.salt = bytes32(salt);
        RequestOrder memory r;
        r.app = app;
        r.workerpool = workerpool;
        r.workerpoolmaxprice = price;
        r.requester = requester;
        r.volume = volume;
        r.trust = trust;
        r.salt = bytes32(salt);
        bytes memory aSig = _sign(ATTACKER_KEY, market.hashAppOrder(a));
        bytes memory pSig = workerpool == pool ? _sign(POOL_KEY, market.hashWorkerpoolOrder(p)) : bytes("");
        bytes memory rSig = requester == attacker ? bytes("") : _sign(REQUESTER_KEY, market.hashRequestOrder(r));
        vm.recordLogs();
        vm.prank(attacker); // sends the match: the attacker's own orders need no signature
        id = market.matchOrders(a, aSig, none, "", p, pSig, r, rSig);
        d = _dealFromLogs(id);
    }

    // ------------------------------------------------------------ honest side (must never revert)

    function honestDeal(uint256 volume, uint256 trust) external {
        (bytes32 id, Deal memory d) =
            _match(pool, POOL_PRICE, bound(volume, 1, 20), bound(trust, 1, 5), vm.addr(REQUESTER_KEY));
        _honestDeals.push(id);
        _terms[id] = d;
    }

    /// @dev The honest scheduler settles one open task with honest workers that can back it, adding
    /// workers until their weights reach consensus, as the off-chain planner does.
    function honestSettle(uint256 dealSeed, uint256 taskSeed, uint256 workerSeed) external {
        if (_honestDeals.length == 0) return;
        bytes32 id = _honestDeals[dealSeed % _honestDeals.length];
        Deal memory d = _terms[id];
        if (block.timestamp >= d.deadline) return;
        uint256 task = taskSeed % d.volume;
        if (_done[id][task]) return;

        Contribution[] memory picked = new Contribution[](HONEST);
        uint256 n;
        uint256 product = 1;
        for (uint256 k = 0; k < HONEST && !_consensus(product, d.trust, n); ++k) {
            uint256 i = (workerSeed % HONEST + k) % HONEST;
            address w = vm.addr(HONEST_BASE + i);
            (,, uint256 staked, uint256 unbonding,) = market.accountOf(w);
            if (staked + unbonding < d.workerStake) continue;
            picked[n++] = _contribution(id, task, RESULT, HONEST_BASE + i);
            product *= _weight(market.scoreOf(w, pool));
        }
        Contribution[] memory cs = new Contribution[](n);
        for (uint256 k = 0; k < n; ++k) {
            cs[k] = picked[k];
        }
        uint256 seizedBefore = market.seized();
        vm.prank(d.scheduler);
        market.settle(d, id, cs, ""); // liveness: an honest settlement never reverts
        if (market.seized() != seizedBefore) honestSlashed += 1;
        _done[id][task] = true;
        honestSettlements += 1;
    }

    function _weight(uint256 score) internal pure returns (uint256) {
        uint256 w = score / 3;
        if (w < 3) w = 3;
        w -= 1;
        return w > 255 ? 255 : w;
    }

    function _consensus(uint256 product, uint256 trust, uint256 n) internal pure returns (bool) {
        if (n == 0) return false;
        uint256 threshold = trust > 1 ? trust - 1 : 1;
        return product > threshold;
    }

    function honestUnstake(uint256 workerSeed, uint256 amount) external {
        address w = vm.addr(HONEST_BASE + ANCHORS + workerSeed % (HONEST - ANCHORS));
        (,, uint256 staked,,) = market.accountOf(w);
        if (staked == 0) return;
        vm.prank(w);
        market.requestUnstake(bound(amount, 1, staked));
    }

    function honestWithdraw(uint256 workerSeed) external {
        address w = vm.addr(HONEST_BASE + ANCHORS + workerSeed % (HONEST - ANCHORS));
        (,,, uint256 unbonding, uint256 readyAt) = market.accountOf(w);
        if (unbonding == 0 || block.timestamp < readyAt) return;
        vm.prank(w);
        market.withdrawUnstaked();
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 days));
    }

    // ------------------------------------------------------------ the attacker (may fail)

    function sybilStake(uint256 i, uint256 amount) external {
        address s = sybil(i % SYBILS);
        (uint256 balance,,,,) = market.accountOf(s);
        if (balance == 0) return;
        vm.prank(s);
        market.stake(bound(amount, 1, balance));
    }

    /// @dev Self-deals in the attacker's pool, zero-price or paid, settled by every Sybil key at once.
    function farm(uint256 volume, bool paid) external {
        (bytes32 id, Deal memory d) = _match(attackerPool, paid ? 1 : 0, bound(volume, 1, 16), 3, attacker);
        _attackerSettle(id, d, d.volume, RESULT);
    }

    /// @dev A made-up result at a high trust, from the attacker's keys alone.
    function forge_(uint256 volume, uint256 trust) external {
        (bytes32 id, Deal memory d) = _match(attackerPool, 0, bound(volume, 1, 8), bound(trust, 1, 100), attacker);
        _attackerSettle(id, d, d.volume, WRONG);
    }

    function _attackerSettle(bytes32 id, Deal memory d, uint256 tasks, bytes32 digest) internal {
        Contribution[] memory cs = new Contribution[](tasks * SYBILS);
        for (uint256 t = 0; t < tasks; ++t) {
            for (uint256 k = 0; k < SYBILS; ++k) {
                cs[t * SYBILS + k] = _contribution(id, t, digest, SYBIL_BASE + k);
            }
        }
        uint256[SYBILS] memory backing;
        for (uint256 k = 0; k < SYBILS; ++k) {
            (,, uint256 staked, uint256 unbonding,) = market.accountOf(sybil(k));
            backing[k] = staked + unbonding;
        }
        vm.prank(attacker);
        try market.settle(d, id, cs, "") {
            attackerSettlements += 1;
            for (uint256 k = 0; k < SYBILS; ++k) {
                if (backing[k] < tasks * d.workerStake) unbackedSettlements += 1;
            }
        } catch {}
    }

    /// @dev The attacker's keys try to join an honest deal's task: only the honest scheduler may settle it.
    function sybilJoinsHonestDeal(uint256 dealSeed, uint256 taskSeed) external {
        if (_honestDeals.length == 0) return;
        bytes32 id = _honestDeals[dealSeed % _honestDeals.length];
        Deal memory d = _terms[id];
        uint256 task = taskSeed % d.volume;
        Contribution[] memory cs = new Contribution[](SYBILS);
        for (uint256 k = 0; k < SYBILS; ++k) {
            cs[k] = _contribution(id, task, WRONG, SYBIL_BASE + k);
        }
        vm.prank(attacker);
        try market.settle(d, id, cs, "") {
            unbackedSettlements += 1000; // a settlement by someone not the deal's scheduler
        } catch {}
    }
}

contract AdversarialInvariantsTest is Asserts {
    AdversarialHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        handler = new AdversarialHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function test_handlerPlaysBothSides() public {
        handler.honestDeal(10, 5);
        handler.honestDeal(4, 1);
        handler.farm(16, false); // unbacked: refused
        for (uint256 k = 0; k < 4; ++k) {
            handler.sybilStake(k, 1e9 - 1); // bound() maps it to the whole balance
        }
        handler.farm(8, true);
        handler.forge_(8, 10_000);
        handler.honestUnstake(0, 100e9);
        for (uint256 t = 0; t < 10; ++t) {
            handler.honestSettle(0, t, t);
        }
        handler.sybilJoinsHonestDeal(0, 0);
        assertEq(handler.honestSettlements(), 10, "honest settlements");
        assertTrue(handler.attackerSettlements() >= 1, "the attacker's paid farm settled");
        invariant_everySettlementWasBacked();
        invariant_farmedScoresStayInTheirPool();
        invariant_honestWorkersNeverSlashed();
        invariant_tokensConserved();
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_everySettlementWasBacked() public view {
        assertEq(handler.unbackedSettlements(), 0, "a settlement counted stake a key did not have");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_farmedScoresStayInTheirPool() public view {
        for (uint256 k = 0; k < 4; ++k) {
            assertEq(handler.market().scoreOf(handler.sybil(k), handler.pool()), 0, "farmed score in the honest pool");
        }
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_honestWorkersNeverSlashed() public view {
        assertEq(handler.honestSlashed(), 0, "an honest settlement slashed someone");
    }

    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_tokensConserved() public view {
        HearthMarket market = handler.market();
        uint256 total;
        for (uint256 i = 0; i < handler.accountCount(); ++i) {
            (uint256 b, uint256 l, uint256 s, uint256 u,) = market.accountOf(handler.accounts(i));
            total += b + l + s + u;
        }
        assertEq(total + market.seized(), handler.token().balanceOf(address(market)), "escrow + seized == balance");
    }
}
