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

/// @notice Four orders and their signatures.
struct Orders {
    AppOrder a;
    bytes aSig;
    DatasetOrder d;
    bytes dSig;
    WorkerpoolOrder p;
    bytes pSig;
    RequestOrder r;
    bytes rSig;
}

/// @notice The shared fixture: a token, the three registries, a market, one app, one dataset and one
/// pool with funded owners, order builders, EIP-712 signing and an independent EIP-712 hasher.
abstract contract Base is Asserts {
    uint256 internal constant APP_KEY = 0xA11CE;
    uint256 internal constant DATASET_KEY = 0xDA7A;
    uint256 internal constant POOL_KEY = 0x9001;
    uint256 internal constant SCHEDULER_KEY = 0x5C4ED;
    uint256 internal constant REQUESTER_KEY = 0xBEEF;
    uint256 internal constant STRANGER_KEY = 0xBAD;
    uint256 internal constant WORKER_KEY_BASE = 0x3000;

    uint256 internal constant APP_PRICE = 3e8;
    uint256 internal constant DATASET_PRICE = 2e8;
    uint256 internal constant POOL_PRICE = 1e9;
    uint256 internal constant PRICE = APP_PRICE + DATASET_PRICE + POOL_PRICE;
    uint256 internal constant POOL_STAKE = POOL_PRICE * 30 / 100;
    uint8 internal constant WORKER_STAKE_PERCENT = 30;
    uint8 internal constant SCHEDULER_SHARE = 10;
    uint256 internal constant WORKER_STAKE = POOL_PRICE * WORKER_STAKE_PERCENT / 100;
    uint256 internal constant UNBONDING = 7 days;
    uint256 internal constant MIN_WORKER_STAKE = 1e8;
    uint256 internal constant FUNDS = 1_000e9;
    uint256 internal constant START = 1_700_000_000;

    bytes32 internal constant APP_ORDER_TYPEHASH = keccak256(
        "AppOrder(uint256 app,uint256 appprice,uint256 volume,bytes32 tag,uint256 datasetrestrict,uint256 workerpoolrestrict,address requesterrestrict,uint256 expiry,bytes32 salt)"
    );
    bytes32 internal constant DATASET_ORDER_TYPEHASH = keccak256(
        "DatasetOrder(uint256 dataset,uint256 datasetprice,uint256 volume,bytes32 tag,uint256 apprestrict,uint256 workerpoolrestrict,address requesterrestrict,uint256 expiry,bytes32 salt)"
    );
    bytes32 internal constant WORKERPOOL_ORDER_TYPEHASH = keccak256(
        "WorkerpoolOrder(uint256 workerpool,uint256 workerpoolprice,uint256 volume,bytes32 tag,uint256 category,uint256 trust,uint256 apprestrict,uint256 datasetrestrict,address requesterrestrict,uint256 expiry,bytes32 salt)"
    );
    bytes32 internal constant REQUEST_ORDER_TYPEHASH = keccak256(
        "RequestOrder(uint256 app,uint256 appmaxprice,uint256 dataset,uint256 datasetmaxprice,uint256 workerpool,uint256 workerpoolmaxprice,address requester,uint256 volume,bytes32 tag,uint256 category,uint256 trust,address beneficiary,address callback,string params,uint256 expiry,bytes32 salt)"
    );
    bytes32 internal constant CONTRIBUTION_TYPEHASH = keccak256("Contribution(bytes32 task,bytes32 digest)");
    uint256 internal constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    uint256 internal constant ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    HearthToken internal token;
    AppRegistry internal apps;
    DatasetRegistry internal datasets;
    WorkerpoolRegistry internal pools;
    HearthMarket internal market;

    address internal appOwner;
    address internal datasetOwner;
    address internal poolOwner;
    address internal scheduler;
    address internal requester;
    address internal stranger;
    uint256 internal app;
    uint256 internal dataset;
    uint256 internal pool;

    function setUp() public virtual {
        vm.warp(START);
        appOwner = vm.addr(APP_KEY);
        datasetOwner = vm.addr(DATASET_KEY);
        poolOwner = vm.addr(POOL_KEY);
        scheduler = vm.addr(SCHEDULER_KEY);
        requester = vm.addr(REQUESTER_KEY);
        stranger = vm.addr(STRANGER_KEY);

        token = new HearthToken(address(this));
        apps = new AppRegistry();
        datasets = new DatasetRegistry();
        pools = new WorkerpoolRegistry();
        market = deployMarket();

        vm.prank(appOwner);
        app = apps.register(keccak256("app module"), "ipfs://app", "app");
        vm.prank(datasetOwner);
        dataset = datasets.register(keccak256("dataset content"), "ipfs://dataset", "dataset");
        vm.prank(poolOwner);
        pool = pools.register(scheduler, WORKER_STAKE_PERCENT, SCHEDULER_SHARE, true, "https://pool", "pool");

        fund(requester, FUNDS);
        fund(poolOwner, FUNDS);
    }

    function deployMarket() internal returns (HearthMarket) {
        return new HearthMarket(token, apps, datasets, pools, UNBONDING, MIN_WORKER_STAKE, address(this));
    }

    // ------------------------------------------------------------ money

    function fund(address account, uint256 amount) internal {
        token.mint(account, amount);
        vm.startPrank(account);
        token.approve(address(market), amount);
        market.deposit(amount);
        vm.stopPrank();
    }

    function workerKey(uint256 i) internal pure returns (uint256) {
        return WORKER_KEY_BASE + i;
    }

    /// @notice A worker with 10 tokens staked.
    function newWorker(uint256 i) internal returns (uint256 key) {
        key = workerKey(i);
        address w = vm.addr(key);
        fund(w, 10e9);
        vm.prank(w);
        market.stake(10e9);
    }

    function balanceOf(address account) internal view returns (uint256 b) {
        (b,,,,) = market.accountOf(account);
    }

    function lockedOf(address account) internal view returns (uint256 l) {
        (, l,,,) = market.accountOf(account);
    }

    function stakeOf(address account) internal view returns (uint256 s) {
        (,, s,,) = market.accountOf(account);
    }

    function scoreOf(address account) internal view returns (uint256 s) {
        s = market.scoreOf(account, pool);
    }

    // ------------------------------------------------------------ order builders

    function appOrder() internal view returns (AppOrder memory o) {
        o.app = app;
        o.appprice = APP_PRICE;
        o.volume = 10;
        o.salt = keccak256("app salt");
    }

    function datasetOrder() internal view returns (DatasetOrder memory o) {
        o.dataset = dataset;
        o.datasetprice = DATASET_PRICE;
        o.volume = 10;
        o.salt = keccak256("dataset salt");
    }

    function poolOrder() internal view returns (WorkerpoolOrder memory o) {
        o.workerpool = pool;
        o.workerpoolprice = POOL_PRICE;
        o.volume = 10;
        o.trust = 100_000;
        o.salt = keccak256("pool salt");
    }

    function requestOrder() internal view returns (RequestOrder memory o) {
        o.app = app;
        o.appmaxprice = APP_PRICE;
        o.dataset = dataset;
        o.datasetmaxprice = DATASET_PRICE;
        o.workerpool = pool;
        o.workerpoolmaxprice = POOL_PRICE;
        o.requester = requester;
        o.volume = 1;
        o.trust = 1;
        o.beneficiary = requester;
        o.params = "--size 1024";
        o.salt = keccak256("request salt");
    }

    /// @notice The default orders (one task, trust 1, with a dataset), unsigned.
    function orders() internal view returns (Orders memory o) {
        o.a = appOrder();
        o.d = datasetOrder();
        o.p = poolOrder();
        o.r = requestOrder();
    }

    /// @notice Drops the dataset from the orders.
    function withoutDataset(Orders memory o) internal pure {
        DatasetOrder memory none;
        o.d = none;
        o.r.dataset = 0;
        o.r.datasetmaxprice = 0;
    }

    function signAll(Orders memory o) internal view returns (Orders memory) {
        o.aSig = signHash(APP_KEY, market.hashAppOrder(o.a));
        o.dSig = o.r.dataset == 0 ? bytes("") : signHash(DATASET_KEY, market.hashDatasetOrder(o.d));
        o.pSig = signHash(POOL_KEY, market.hashWorkerpoolOrder(o.p));
        o.rSig = signHash(REQUESTER_KEY, market.hashRequestOrder(o.r));
        return o;
    }

    function signHash(uint256 key, bytes32 h) internal pure returns (bytes memory) {
        return MarketSigning.sign(key, h);
    }

    function callMatch(Orders memory o) internal returns (bytes32) {
        return market.matchOrders(o.a, o.aSig, o.d, o.dSig, o.p, o.pSig, o.r, o.rSig);
    }

    /// @notice Matches the orders and reads the deal's terms from DealCreated, as a scheduler would.
    function matchDeal(Orders memory o) internal returns (bytes32 dealId, Deal memory deal) {
        vm.recordLogs();
        dealId = callMatch(o);
        deal = dealFromLogs(dealId);
    }

    function dealFromLogs(bytes32 dealId) internal returns (Deal memory) {
        return MarketSigning.dealFromLogs(dealId);
    }

    /// @notice Signs and matches a deal of `volume` tasks at `trust`, with a dataset.
    function makeDeal(uint256 volume, uint256 trust) internal returns (bytes32, Deal memory) {
        Orders memory o = orders();
        o.a.volume = volume;
        o.d.volume = volume;
        o.p.volume = volume;
        o.r.volume = volume;
        o.r.trust = trust;
        return matchDeal(signAll(o));
    }

    /// @notice As makeDeal, with another request salt (a second deal of the same shape).
    function makeDealSalted(uint256 volume, uint256 trust, bytes memory salt) internal returns (bytes32, Deal memory) {
        Orders memory o = orders();
        o.a.volume = 1_000;
        o.d.volume = 1_000;
        o.p.volume = 1_000;
        o.a.salt = keccak256(abi.encode("app", salt));
        o.d.salt = keccak256(abi.encode("dataset", salt));
        o.p.salt = keccak256(abi.encode("pool", salt));
        o.r.volume = volume;
        o.r.trust = trust;
        o.r.salt = keccak256(salt);
        return matchDeal(signAll(o));
    }

    // ------------------------------------------------------------ contributions

    function contribution(bytes32 dealId, uint256 task, bytes32 digest, uint256 key)
        internal
        view
        returns (Contribution memory)
    {
        return MarketSigning.contribution(market, dealId, task, digest, key);
    }

    function one(Contribution memory c) internal pure returns (Contribution[] memory cs) {
        cs = new Contribution[](1);
        cs[0] = c;
    }

    /// @notice Contributions of workers `first`..`first + count - 1` to one task, all with `digest`.
    function agreeing(bytes32 dealId, uint256 task, bytes32 digest, uint256 first, uint256 count)
        internal
        view
        returns (Contribution[] memory cs)
    {
        cs = new Contribution[](count);
        for (uint256 k = 0; k < count; ++k) {
            cs[k] = contribution(dealId, task, digest, workerKey(first + k));
        }
    }

    function settleAsScheduler(Deal memory deal, bytes32 dealId, Contribution[] memory cs) internal {
        vm.prank(deal.scheduler);
        market.settle(deal, dealId, cs, "ipfs://results");
    }

    function claimTasks(Deal memory deal, bytes32 dealId, uint256[] memory tasks) internal {
        market.claim(deal, dealId, tasks);
    }

    function list(uint256 a) internal pure returns (uint256[] memory t) {
        t = new uint256[](1);
        t[0] = a;
    }

    function list(uint256 a, uint256 b) internal pure returns (uint256[] memory t) {
        t = new uint256[](2);
        t[0] = a;
        t[1] = b;
    }

    // ------------------------------------------------------------ independent EIP-712

    function localDomainSeparator(address verifyingContract) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Hearth"),
                keccak256("1"),
                block.chainid,
                verifyingContract
            )
        );
    }

    function typedDigest(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", localDomainSeparator(address(market)), structHash));
    }

    function localAppHash(AppOrder memory o) internal view returns (bytes32) {
        return typedDigest(
            keccak256(
                abi.encode(
                    APP_ORDER_TYPEHASH,
                    o.app,
                    o.appprice,
                    o.volume,
                    o.tag,
                    o.datasetrestrict,
                    o.workerpoolrestrict,
                    o.requesterrestrict,
                    o.expiry,
                    o.salt
                )
            )
        );
    }

    function localDatasetHash(DatasetOrder memory o) internal view returns (bytes32) {
        return typedDigest(
            keccak256(
                abi.encode(
                    DATASET_ORDER_TYPEHASH,
                    o.dataset,
                    o.datasetprice,
                    o.volume,
                    o.tag,
                    o.apprestrict,
                    o.workerpoolrestrict,
                    o.requesterrestrict,
                    o.expiry,
                    o.salt
                )
            )
        );
    }

    function localPoolHash(WorkerpoolOrder memory o) internal view returns (bytes32) {
        return typedDigest(
            keccak256(
                abi.encode(
                    WORKERPOOL_ORDER_TYPEHASH,
                    o.workerpool,
                    o.workerpoolprice,
                    o.volume,
                    o.tag,
                    o.category,
                    o.trust,
                    o.apprestrict,
                    o.datasetrestrict,
                    o.requesterrestrict,
                    o.expiry,
                    o.salt
                )
            )
        );
    }

    function localRequestHash(RequestOrder memory o) internal view returns (bytes32) {
        bytes memory head = abi.encode(
            REQUEST_ORDER_TYPEHASH,
            o.app,
            o.appmaxprice,
            o.dataset,
            o.datasetmaxprice,
            o.workerpool,
            o.workerpoolmaxprice,
            o.requester,
            o.volume
        );
        bytes memory tail = abi.encode(
            o.tag, o.category, o.trust, o.beneficiary, o.callback, keccak256(bytes(o.params)), o.expiry, o.salt
        );
        return typedDigest(keccak256(bytes.concat(head, tail)));
    }

    function localContributionHash(bytes32 dealId, uint256 task, bytes32 digest) internal view returns (bytes32) {
        bytes32 tid = keccak256(abi.encodePacked(dealId, task));
        return typedDigest(keccak256(abi.encode(CONTRIBUTION_TYPEHASH, tid, digest)));
    }
}
